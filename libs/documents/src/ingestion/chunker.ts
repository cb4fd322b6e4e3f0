import { type PageText } from './types';

export interface ChunkOptions {
  /**
   * `characters` (default): maximum chunk length in characters. `tokens`: the tokens (runs of
   * non-space) a chunk gathers before the next piece starts a new one; see `tokenChunks`.
   */
  size: number;
  /**
   * Shared by consecutive chunks of the same page, less than `size`: characters, or with
   * `tokens` at most this many tokens of whole sentences (only inside a split paragraph).
   */
  overlap: number;
  /** How `size` and `overlap` count; default `characters` (LangChain's splitter). */
  unit?: 'characters' | 'tokens';
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
 * Splits each page separately (so a chunk never spans pages): by paragraphs and sentences with a
 * size in tokens (`unit: 'tokens'`, see `tokenChunks`), or the way LangChain's
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
    const pieces =
      options.unit === 'tokens' ? tokenChunks(normalised, options) : splitText(normalised, options);
    for (const piece of pieces) {
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
  if (options.unit !== undefined && options.unit !== 'characters' && options.unit !== 'tokens') {
    throw new RangeError(`Chunk unit must be characters or tokens (got ${String(options.unit)}).`);
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

/** Characters a token-sized chunk may hold per token of `size` (a run without spaces is cut). */
const CHARS_PER_TOKEN_CAP = 16;

/** A piece of the text, `text[start, end)`, with its tokens and the paragraph it belongs to. */
interface Piece {
  start: number;
  end: number;
  tokens: number;
  paragraph: number;
  /** A whole paragraph (not one of its sentences or windows). */
  whole: boolean;
}

/**
 * Chunks by paragraphs and sentences with a size in tokens (runs of non-space, about the words
 * the full-text index counts): a paragraph (text between blank lines) of at most 2 × `size`
 * tokens is never split, so a question about it is answered by one chunk with the paragraph's
 * own statistics; consecutive short paragraphs share a chunk up to `size` tokens; a longer
 * paragraph is cut between sentences into chunks of about `size` tokens, each starting with the
 * last sentences (at most `overlap` tokens) of the one before; a sentence longer than `size` is
 * cut every `size` tokens, and a run without spaces every `16 × size` characters. Each chunk is a
 * slice of the text, so its separators stay as they were. Linear in the text.
 */
export function tokenChunks(text: string, { size, overlap }: ChunkOptions): string[] {
  const maxChars = size * CHARS_PER_TOKEN_CAP;
  const pieces: Piece[] = [];
  let paragraph = 0;
  for (const [start, end] of spans(text, /\n\n+/g)) {
    const tokens = countTokens(text, start, end);
    if (tokens <= 2 * size && end - start <= 2 * maxChars) {
      pieces.push({ start, end, tokens, paragraph, whole: true });
    } else {
      for (const [s, e] of sentences(text, start, end)) {
        splitLong(text, s, e, size, maxChars, paragraph, pieces);
      }
    }
    paragraph += 1;
  }
  const out: string[] = [];
  let current: Piece[] = [];
  let tokens = 0;
  const chars = () => (current.length ? current[current.length - 1].end - current[0].start : 0);
  for (const piece of pieces) {
    if (
      current.length > 0 &&
      (tokens + piece.tokens > size || chars() + (piece.end - piece.start) > maxChars)
    ) {
      emit(text.slice(current[0].start, current[current.length - 1].end), out);
      // the overlap: trailing sentences of the same split paragraph
      const carried: Piece[] = [];
      let carriedTokens = 0;
      for (let i = current.length - 1; i >= 0; i -= 1) {
        const previous = current[i];
        if (previous.whole || previous.paragraph !== piece.paragraph) break;
        if (carriedTokens + previous.tokens > overlap) break;
        if (current[current.length - 1].end - previous.start > maxChars / 2) break;
        carried.unshift(previous);
        carriedTokens += previous.tokens;
      }
      current = carried;
      tokens = carriedTokens;
    }
    current.push(piece);
    tokens += piece.tokens;
  }
  if (current.length > 0) emit(text.slice(current[0].start, current[current.length - 1].end), out);
  return out;
}

/** The spans of `text` between matches of `separator` (a global pattern), empty ones dropped. */
function spans(text: string, separator: RegExp, from = 0, to = text.length): [number, number][] {
  const out: [number, number][] = [];
  separator.lastIndex = from;
  let start = from;
  for (let m = separator.exec(text); m && m.index < to; m = separator.exec(text)) {
    if (m.index > start) out.push([start, m.index]);
    start = m.index + m[0].length;
  }
  if (to > start) out.push([start, to]);
  return out;
}

function countTokens(text: string, start: number, end: number): number {
  let count = 0;
  let inToken = false;
  for (let i = start; i < end; i += 1) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inToken) count += 1;
    inToken = !space;
  }
  return count;
}

const isSpace = (code: number) =>
  code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11;

/** Closing quotes and brackets that may follow a sentence's final punctuation. */
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»']);

/**
 * The sentences of `text[start, end)`: cut at whitespace that follows `.`, `!`, `?` or `…`
 * (closing quotes and brackets between them allowed). One pass.
 */
function sentences(text: string, start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  let from = start;
  let i = start;
  while (i < end) {
    if (!isSpace(text.charCodeAt(i))) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < end && isSpace(text.charCodeAt(j))) j += 1;
    let k = i - 1;
    while (k > from && CLOSERS.has(text[k]) && i - k <= 3) k -= 1;
    if (k >= from && '.!?…'.includes(text[k]) && j < end) {
      out.push([from, i]);
      from = j;
    }
    i = j;
  }
  if (end > from) out.push([from, end]);
  return out;
}

/** A sentence as pieces of at most `size` tokens and `maxChars` characters. */
function splitLong(
  text: string,
  start: number,
  end: number,
  size: number,
  maxChars: number,
  paragraph: number,
  pieces: Piece[],
): void {
  let pieceStart = -1;
  let tokens = 0;
  let i = start;
  const push = (to: number) => {
    if (pieceStart >= 0 && to > pieceStart) {
      pieces.push({ start: pieceStart, end: to, tokens, paragraph, whole: false });
    }
    pieceStart = -1;
    tokens = 0;
  };
  while (i < end) {
    if (isSpace(text.charCodeAt(i))) {
      i += 1;
      continue;
    }
    // a token: text[i, j)
    let j = i;
    while (j < end && !isSpace(text.charCodeAt(j))) j += 1;
    if (pieceStart >= 0 && (tokens + 1 > size || j - pieceStart > maxChars)) push(i);
    if (j - i > maxChars) {
      // a run without spaces: windows of maxChars
      for (let at = i; at < j; at += maxChars) {
        pieces.push({
          start: at,
          end: Math.min(j, at + maxChars),
          tokens: 1,
          paragraph,
          whole: false,
        });
      }
    } else {
      if (pieceStart < 0) pieceStart = i;
      tokens += 1;
    }
    i = j;
  }
  push(end);
}
