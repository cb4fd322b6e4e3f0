import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import {
  chunkPages,
  DEFAULT_CHUNK_OPTIONS,
  normalizeWhitespace,
  splitText,
  tokenChunks,
} from './chunker';
import { extractText } from './extract';
import { corpus, runInChild } from './test-support';

const words = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(' ');

describe('chunkPages', () => {
  it('keeps short pages whole, one chunk each, with page numbers and running indexes', async () => {
    const chunks = await chunkPages(
      [
        { page: 1, text: 'First page.' },
        { page: 2, text: '   ' },
        { page: 3, text: 'Third page.' },
      ],
      { size: 100, overlap: 10 },
    );
    expect(chunks).toEqual([
      { index: 0, page: 1, content: 'First page.' },
      { index: 1, page: 3, content: 'Third page.' },
    ]);
  });

  it('splits long pages into chunks no longer than size, with overlap', async () => {
    const text = words(200, 'w');
    const chunks = await chunkPages([{ page: 1, text }], { size: 100, overlap: 30 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.content.length).toBeLessThanOrEqual(100);
      expect(chunk.page).toBe(1);
    }
    for (let i = 1; i < chunks.length; i += 1) {
      const previousWords = chunks[i - 1].content.split(' ');
      const firstWord = chunks[i].content.split(' ')[0];
      // The next chunk starts inside the previous one (overlap).
      expect(previousWords).toContain(firstWord);
    }
    // Nothing lost: every word is in some chunk.
    const seen = new Set(chunks.flatMap((c) => c.content.split(' ')));
    expect(text.split(' ').every((w) => seen.has(w))).toBe(true);
  });

  it('without overlap, chunks do not repeat words', async () => {
    const text = words(200, 'w');
    const chunks = await chunkPages([{ page: 1, text }], { size: 100, overlap: 0 });
    const all = chunks.flatMap((c) => c.content.split(' '));
    expect(all).toEqual(text.split(' '));
  });

  it('never makes a chunk that spans two pages', async () => {
    const chunks = await chunkPages(
      [
        { page: 1, text: words(60, 'a') },
        { page: 2, text: words(60, 'b') },
      ],
      { size: 120, overlap: 40 },
    );
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2]));
    for (const chunk of chunks) {
      const letters = new Set(chunk.content.split(' ').map((w) => w[0]));
      expect(letters).toEqual(new Set([chunk.page === 1 ? 'a' : 'b']));
    }
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('prefers paragraph boundaries', async () => {
    const text = `${'a '.repeat(30).trim()}\n\n${'b '.repeat(30).trim()}`;
    const chunks = await chunkPages([{ page: 1, text }], { size: 80, overlap: 10 });
    expect(chunks.map((c) => c.content)).toEqual(['a '.repeat(30).trim(), 'b '.repeat(30).trim()]);
  });

  it('normalises whitespace and drops empty chunks', async () => {
    const chunks = await chunkPages(
      [{ page: 1, text: '  Hello\t\t  world \r\n\r\n\r\n\r\n  again\u0007 \u200b here  ' }],
      { size: 100, overlap: 0 },
    );
    expect(chunks).toEqual([{ index: 0, page: 1, content: 'Hello world\n\nagain here' }]);
    expect(normalizeWhitespace(' \n \t ')).toBe('');
  });

  it('normalises whitespace exactly as the one-pass-per-character patterns did', () => {
    // the previous patterns matched every space and newline; the current ones only what changes
    const reference = (text: string) =>
      text
        .replace(/\r\n?/g, '\n')
        .replace(/[\u200b-\u200d\u2060\ufeff]/gu, '')
        .replace(/[^\P{Cc}\n\t]/gu, ' ')
        .replace(/[^\S\n]+/gu, ' ')
        .replace(/ ?\n ?/g, '\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim();
    const alphabet = ['a', 'b', ' ', ' ', '\t', '\n', '\r', '\u00a0', '\u200b', '\u0007', '\u2003'];
    const next = random(42);
    for (let round = 0; round < 2000; round += 1) {
      const length = Math.floor(next() * 40);
      const text = Array.from(
        { length },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('');
      expect(normalizeWhitespace(text)).toBe(reference(text));
    }
  });

  it('validates size and overlap', async () => {
    const pages = [{ page: 1, text: 'x' }];
    await expect(chunkPages(pages, { size: 100, overlap: 100 })).rejects.toThrow(RangeError);
    await expect(chunkPages(pages, { size: 100, overlap: 150 })).rejects.toThrow(/less than/);
    await expect(chunkPages(pages, { size: 0, overlap: 0 })).rejects.toThrow(RangeError);
    await expect(chunkPages(pages, { size: 10.5, overlap: 0 })).rejects.toThrow(RangeError);
    await expect(chunkPages(pages, { size: 10, overlap: -1 })).rejects.toThrow(RangeError);
    expect(DEFAULT_CHUNK_OPTIONS.overlap).toBeLessThan(DEFAULT_CHUNK_OPTIONS.size);
  });

  it('chunks the 4-page PDF with every chunk carrying its page (1–4)', async () => {
    const { pages } = await extractText(corpus('pdflatex-4-pages.pdf'), 'pdf');
    const chunks = await chunkPages(pages, { size: 300, overlap: 50 });
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2, 3, 4]));
    const pageOf = new Map(pages.map((p) => [p.page, p.text.replace(/\s+/g, ' ')]));
    for (const chunk of chunks) {
      expect(pageOf.get(chunk.page)).toContain(chunk.content.replace(/\s+/g, ' '));
    }
  });
});

/** What LangChain's splitter (the chunker's reference) makes of `text`. */
function langchain(text: string, size: number, overlap: number): Promise<string[]> {
  return new RecursiveCharacterTextSplitter({
    chunkSize: size,
    chunkOverlap: overlap,
    separators: ['\n\n', '\n', ' ', ''],
  }).splitText(text);
}

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words of every length (some longer than a chunk), spaces, line and paragraph breaks. */
function generatedText(next: () => number, length: number): string {
  const parts: string[] = [];
  let total = 0;
  while (total < length) {
    const roll = next();
    let part: string;
    if (roll < 0.6) part = 'abcdefghij'.slice(0, 1 + Math.floor(next() * 10));
    else if (roll < 0.8) part = ' ';
    else if (roll < 0.88) part = '\n';
    else if (roll < 0.94) part = '\n\n';
    else if (roll < 0.97) part = '  \n\n\n ';
    else part = 'x'.repeat(1 + Math.floor(next() * 300));
    parts.push(part);
    total += part.length;
  }
  return parts.join('');
}

describe("splitText (linear port of LangChain's recursive splitter)", () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  afterAll(() => warn.mockRestore());

  it.each([
    [1000, 150],
    [100, 30],
    [50, 0],
    [10, 9],
    [2, 1],
    [1, 0],
  ])(
    "gives exactly LangChain's chunks on generated texts (size %i, overlap %i)",
    async (size, overlap) => {
      const next = random(size * 1000 + overlap);
      for (let round = 0; round < 40; round += 1) {
        const text = generatedText(next, 1 + Math.floor(next() * (size === 1 ? 200 : 3000)));
        expect(splitText(text, { size, overlap })).toEqual(await langchain(text, size, overlap));
      }
    },
  );

  it("gives exactly LangChain's chunks on the corpus (as ingestion chunks it)", async () => {
    for (const name of [
      'pdflatex-4-pages.pdf',
      'multicolumn.pdf',
      'tables.docx',
      'footnotes.docx',
    ]) {
      const kind = name.endsWith('.pdf') ? 'pdf' : 'docx';
      const { pages } = await extractText(corpus(name), kind);
      for (const { text } of pages) {
        const normalised = normalizeWhitespace(text);
        expect(splitText(normalised, DEFAULT_CHUNK_OPTIONS)).toEqual(
          await langchain(normalised, DEFAULT_CHUNK_OPTIONS.size, DEFAULT_CHUNK_OPTIONS.overlap),
        );
      }
    }
  });

  it('chunks a 10 MB line without spaces in linear time (LangChain took minutes)', async () => {
    // in a child, bounded: the old splitter cannot be interrupted in-process
    const run = await runInChild<{ chunks: number; longest: number; ms: number }>(
      `
      const { chunkPages } = require(${JSON.stringify(require.resolve('./chunker'))});
      const text = 'a'.repeat(10 * 1024 * 1024);
      const started = performance.now();
      const chunks = await chunkPages([{ page: 1, text }]);
      return {
        chunks: chunks.length,
        longest: Math.max(...chunks.map((c) => c.content.length)),
        ms: performance.now() - started,
      };`,
      120_000,
    );
    expect(run.timedOut).toBe(false);
    if (run.timedOut) return;
    const { size, overlap } = DEFAULT_CHUNK_OPTIONS;
    expect(run.value.chunks).toBe(Math.ceil((10 * 1024 * 1024 - overlap) / (size - overlap)));
    expect(run.value.longest).toBe(size);
    expect(run.value.ms).toBeLessThan(20_000);
  }, 130_000);
});

describe('tokenChunks (paragraphs and sentences, size in tokens)', () => {
  const sentence = (n: number, prefix: string) => `${words(n - 1, prefix)} end.`;
  const tokensOf = (text: string) => text.split(/\s+/).filter(Boolean).length;

  it('keeps a paragraph of up to twice the size whole, and packs short paragraphs together', () => {
    const long = [sentence(60, 'a'), sentence(60, 'b'), sentence(60, 'c')].join(' ');
    const text = [sentence(10, 'x'), sentence(10, 'y'), long, sentence(10, 'z')].join('\n\n');
    const chunks = tokenChunks(text, { size: 100, overlap: 20, unit: 'tokens' });
    expect(chunks).toEqual([
      `${sentence(10, 'x')}\n\n${sentence(10, 'y')}`,
      long,
      sentence(10, 'z'),
    ]);
  });

  it('cuts a longer paragraph between sentences, sharing the last sentence within the overlap', () => {
    const parts = Array.from({ length: 12 }, (_, i) => sentence(30, `s${i}-`));
    const chunks = tokenChunks(parts.join(' '), { size: 100, overlap: 40, unit: 'tokens' });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(tokensOf(chunk)).toBeLessThanOrEqual(100);
      // whole sentences only
      expect(chunk.endsWith('end.')).toBe(true);
    }
    // each chunk after the first starts with the sentence the one before ended with
    for (let i = 1; i < chunks.length; i += 1) {
      const last = chunks[i - 1].split(/(?<=end\.) /).at(-1)!;
      expect(chunks[i].startsWith(last)).toBe(true);
    }
    const seen = new Set(chunks.flatMap((c) => c.split(' ')));
    expect(
      parts
        .join(' ')
        .split(' ')
        .every((w) => seen.has(w)),
    ).toBe(true);
  });

  it('cuts a sentence longer than the size every size tokens, and a run without spaces by characters', () => {
    const chunks = tokenChunks(words(250, 'w'), { size: 100, overlap: 0, unit: 'tokens' });
    expect(chunks.map(tokensOf)).toEqual([100, 100, 50]);
    const run = 'x'.repeat(5_000);
    const pieces = tokenChunks(run, { size: 100, overlap: 0, unit: 'tokens' });
    expect(pieces.join('')).toBe(run);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(1_600);
  });

  it('is what chunkPages makes with unit tokens, page by page', async () => {
    const chunks = await chunkPages(
      [
        { page: 1, text: 'One.\n\n\nTwo.' },
        { page: 2, text: sentence(5, 'p') },
      ],
      { size: 50, overlap: 10, unit: 'tokens' },
    );
    expect(chunks).toEqual([
      { index: 0, page: 1, content: 'One.\n\nTwo.' },
      { index: 1, page: 2, content: sentence(5, 'p') },
    ]);
  });

  it('chunks a 10 MB text without spaces or sentence ends in linear time', () => {
    const text = 'ab'.repeat(5_000_000);
    const chunks = tokenChunks(text, { size: 200, overlap: 40, unit: 'tokens' });
    expect(chunks.join('')).toBe(text);
  });
});
