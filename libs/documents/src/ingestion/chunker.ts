import { type PageText } from './types';

export interface ChunkOptions {
  /** Maximum chunk length in characters. */
  size: number;
  /** Characters shared by consecutive chunks of the same page; less than `size`. */
  overlap: number;
}

export interface Chunk {
  /** 0-based position of the chunk in the document. */
  index: number;
  /** Page the chunk comes from (a chunk never spans pages). */
  page: number;
  content: string;
}

export const DEFAULT_CHUNK_OPTIONS: Readonly<ChunkOptions> = Object.freeze({
  size: 1_000,
  overlap: 150,
});

/** Paragraph, then line, then word boundaries, then anywhere (LangChain's default order). */
const SEPARATORS: readonly string[] = ['\n\n', '\n', ' ', ''];

/**
 * Splits each page separately (so a chunk never spans pages) the way LangChain's
 * `RecursiveCharacterTextSplitter` does (see `splitText`), preferring paragraph, then line, then
 * word boundaries. Whitespace is normalised first; empty chunks are dropped; `index` counts the
 * kept chunks from 0. Linear in the text.
 */
export async function chunkPages(
  pages: readonly PageText[],
  options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
): Promise<Chunk[]> {
  validateChunkOptions(options);
  const chunks: Chunk[] = [];
  for (const { page, text } of pages) {
    const normalised = normalizeWhitespace(text);
    if (normalised === '') {
      continue;
    }
    for (const piece of splitText(normalised, options)) {
      const content = piece.trim();
      if (content !== '') {
        chunks.push({ index: chunks.length, page, content });
      }
    }
  }
  return chunks;
}

export function validateChunkOptions(options: ChunkOptions): void {
  const { size, overlap } = options;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Chunk size must be a positive integer (got ${size}).`);
  }
  if (!Number.isInteger(overlap) || overlap < 0) {
    throw new RangeError(`Chunk overlap must be a non-negative integer (got ${overlap}).`);
  }
  if (overlap >= size) {
    throw new RangeError(`Chunk overlap (${overlap}) must be less than the size (${size}).`);
  }
}

/**
 * Line endings unified, control and invisible characters removed, runs of spaces collapsed,
 * lines trimmed, at most one blank line in a row.
 *
 * The patterns only match what they change: a lone space is already what "collapse a run of
 * whitespace into one space" makes of it, and a newline without a space beside it is already
 * trimmed. Matching every space and every newline of a 20 MB text (as `[^\S\n]+` and ` ?\n ?`
 * did) cost 0.8 s and ~300 MB of replacement bookkeeping for an identical result.
 */
export function normalizeWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u200b-\u200d\u2060\ufeff]/gu, '')
    .replace(/[^\P{Cc}\n\t]/gu, ' ')
    .replace(/[^\S\n]{2,}|[^\S\n ]/gu, ' ')
    .replace(/ \n ?|\n /g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * LangChain's recursive character splitter (`@langchain/textsplitters` 1.0,
 * `RecursiveCharacterTextSplitter` with separators `\n\n`, `\n`, ` `, `` and its defaults:
 * separators kept at the start of the piece that follows them, length in UTF-16 code units),
 * rewritten to run in linear time: the library merges a separator-less run character by
 * character through `Array.shift` and promises, which took minutes on a 10 MB line. The output
 * is the same (the spec compares the two on generated texts).
 *
 * The text is split before every occurrence of the first separator it contains; pieces shorter
 * than `size` are merged (see `mergeRun`), longer ones split again with the next separators, or
 * kept whole when none is left.
 */
export function splitText(text: string, options: ChunkOptions): string[] {
  validateChunkOptions(options);
  const out: string[] = [];
  splitRecursive(text, SEPARATORS, options, out);
  return out;
}

function splitRecursive(
  text: string,
  separators: readonly string[],
  options: ChunkOptions,
  out: string[],
): void {
  let separator = separators[separators.length - 1];
  let rest: readonly string[] | undefined;
  for (let i = 0; i < separators.length; i += 1) {
    const candidate = separators[i];
    if (candidate === '') {
      separator = candidate;
      break;
    }
    if (text.includes(candidate)) {
      separator = candidate;
      rest = separators.slice(i + 1);
      break;
    }
  }
  if (separator === '') {
    // every code unit is a piece of length 1: one run, unless a piece cannot be shorter than size
    if (options.size > 1) {
      mergeUnits(text, options, out);
    } else {
      for (let i = 0; i < text.length; i += 1) out.push(text[i]);
    }
    return;
  }
  // piece j is text[bounds[j], bounds[j + 1]): cut before each occurrence (overlapping ones
  // too) except at 0, like String.prototype.split with a look-ahead
  const bounds = [0];
  for (let at = text.indexOf(separator, 1); at >= 0; at = text.indexOf(separator, at + 1)) {
    bounds.push(at);
  }
  bounds.push(text.length);
  const boundary = (j: number): number => bounds[j];
  let runStart = 0;
  const pieces = bounds.length - 1;
  for (let j = 0; j < pieces; j += 1) {
    if (bounds[j + 1] - bounds[j] < options.size) {
      continue;
    }
    if (runStart < j) {
      mergeRun(text, boundary, runStart, j, options, out);
    }
    const piece = text.slice(bounds[j], bounds[j + 1]);
    if (rest) {
      splitRecursive(piece, rest, options, out);
    } else {
      out.push(piece);
    }
    runStart = j + 1;
  }
  if (runStart < pieces) {
    mergeRun(text, boundary, runStart, pieces, options, out);
  }
}

/**
 * LangChain's `mergeSplits` for consecutive pieces `from`…`to - 1` (piece j is
 * `text[boundary(j), boundary(j + 1))`, joined with no separator, as the pieces keep theirs): a
 * window of pieces grows until the next piece would make it longer than `size`; then the window
 * is emitted (trimmed, unless empty) and pieces leave it from the front until it is at most
 * `overlap` long (and the next piece fits). A window is a slice of `text`, so each step is O(1)
 * and emitting costs the chunk's length.
 */
function mergeRun(
  text: string,
  boundary: (j: number) => number,
  from: number,
  to: number,
  { size, overlap }: ChunkOptions,
  out: string[],
): void {
  let head = from; // the window is pieces head … j - 1
  let total = 0;
  for (let j = from; j < to; j += 1) {
    const length = boundary(j + 1) - boundary(j);
    if (total + length > size && head < j) {
      emit(text.slice(boundary(head), boundary(j)), out);
      while (total > overlap || (total + length > size && total > 0)) {
        total -= boundary(head + 1) - boundary(head);
        head += 1;
      }
    }
    total += length;
  }
  if (head < to) {
    emit(text.slice(boundary(head), boundary(to)), out);
  }
}

/**
 * `mergeRun` over pieces of one code unit each, in closed form: the window fills to `size`, is
 * emitted, and keeps its last `overlap` units; what is left at the end is the last chunk.
 */
function mergeUnits(text: string, { size, overlap }: ChunkOptions, out: string[]): void {
  let head = 0;
  while (text.length - head > size) {
    emit(text.slice(head, head + size), out);
    head += size - overlap;
  }
  emit(text.slice(head), out);
}

function emit(window: string, out: string[]): void {
  const chunk = window.trim();
  if (chunk !== '') out.push(chunk);
}
