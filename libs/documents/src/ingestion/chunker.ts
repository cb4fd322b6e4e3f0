import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
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

/**
 * Splits each page separately (so a chunk never spans pages) with LangChain's recursive
 * character splitter, preferring paragraph, then line, then word boundaries. Whitespace is
 * normalised first; empty chunks are dropped; `index` counts the kept chunks from 0.
 */
export async function chunkPages(
  pages: readonly PageText[],
  options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
): Promise<Chunk[]> {
  validateChunkOptions(options);
  const splitter = new RecursiveCharacterTextSplitter({
    chunkSize: options.size,
    chunkOverlap: options.overlap,
    separators: ['\n\n', '\n', ' ', ''],
  });
  const chunks: Chunk[] = [];
  for (const { page, text } of pages) {
    const normalised = normalizeWhitespace(text);
    if (normalised === '') {
      continue;
    }
    for (const piece of await splitter.splitText(normalised)) {
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
 */
export function normalizeWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u200b-\u200d\u2060\ufeff]/gu, '')
    .replace(/[^\P{Cc}\n\t]/gu, ' ')
    .replace(/[^\S\n]+/gu, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
