import { chunkPages, DEFAULT_CHUNK_OPTIONS, normalizeWhitespace } from './chunker';
import { extractText } from './extract';
import { corpus } from './test-support';

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
