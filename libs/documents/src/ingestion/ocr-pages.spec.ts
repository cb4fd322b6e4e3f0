import { hasNegligibleText, NEGLIGIBLE_TEXT_CHARS, withOcrPages } from './ocr-pages';
import { expectCode } from './test-support';

describe('hasNegligibleText', () => {
  it('is true for an empty layer, blanks and a stamped page number, false for a line of text', () => {
    expect(hasNegligibleText('')).toBe(true);
    expect(hasNegligibleText(' \n\t\u200b\ufeff')).toBe(true);
    expect(hasNegligibleText('Page 3')).toBe(true);
    expect(hasNegligibleText('x'.repeat(NEGLIGIBLE_TEXT_CHARS - 1))).toBe(true);
    expect(hasNegligibleText('x'.repeat(NEGLIGIBLE_TEXT_CHARS))).toBe(false);
    expect(hasNegligibleText('A line of real text on a page')).toBe(false);
  });
});

describe('withOcrPages', () => {
  const scanned = {
    pages: [
      { page: 1, text: 'Typed page one has its own text layer' },
      { page: 3, text: '3' },
    ],
    pageCount: 3,
    ocrCandidates: [
      { page: 2, width: 612, height: 792 },
      { page: 3, width: 612, height: 792 },
    ],
  };

  it('puts the OCR pages in page order and replaces a negligible layer with more text', () => {
    const merged = withOcrPages(
      scanned,
      [
        { page: 3, text: 'Third page read by OCR\n3' },
        { page: 2, text: 'Second page read by OCR' },
      ],
      { maxChars: 1000 },
    );
    expect(merged).toEqual({
      pages: [
        { page: 1, text: 'Typed page one has its own text layer' },
        { page: 2, text: 'Second page read by OCR' },
        { page: 3, text: 'Third page read by OCR\n3' },
      ],
      pageCount: 3,
    });
  });

  it('keeps the layer when OCR reads less, and ignores blank or out-of-range pages', () => {
    const merged = withOcrPages(
      scanned,
      [
        { page: 3, text: '' },
        { page: 1, text: 'Typed' },
        { page: 9, text: 'no such page' },
        { page: 0, text: 'no such page' },
      ],
      { maxChars: 1000 },
    );
    expect(merged.pages).toEqual(scanned.pages);
  });

  it('is no_extractable_text when OCR found nothing on a PDF without text', async () => {
    const error = await expectCode(
      () =>
        Promise.resolve().then(() =>
          withOcrPages(
            { pages: [], pageCount: 2, ocrCandidates: scanned.ocrCandidates },
            [{ page: 1, text: ' \n ' }],
            { maxChars: 1000 },
          ),
        ),
      'no_extractable_text',
    );
    expect(error.message).toMatch(/OCR found no text/);
  });

  it('counts OCR text against maxChars', async () => {
    await expectCode(
      () =>
        Promise.resolve().then(() =>
          withOcrPages(scanned, [{ page: 2, text: 'x'.repeat(1000) }], { maxChars: 1000 }),
        ),
      'limit_exceeded',
    );
  });
});
