import { extractText, resolveLimits } from './extract';
import { parseCsv } from './text-extractors';
import { DEFAULT_EXTRACTION_LIMITS, type DocumentKind } from './types';
import { allText, buildZip, expectCode, corpus, entry } from './test-support';

/** Collapses whitespace so words split over lines still match. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

describe('extractText: the corpus', () => {
  it('minimal-document.pdf: one page with "Lorem ipsum dolor sit amet"', async () => {
    const result = await extractText(corpus('minimal-document.pdf'), 'pdf');
    expect(result.pageCount).toBe(1);
    expect(result.pages.map((p) => p.page)).toEqual([1]);
    expect(flat(allText(result))).toContain('Lorem ipsum dolor sit amet');
  });

  it('pdflatex-4-pages.pdf: pageCount 4, text on pages 1–4', async () => {
    const result = await extractText(corpus('pdflatex-4-pages.pdf'), 'pdf');
    expect(result.pageCount).toBe(4);
    expect(result.pages.map((p) => p.page)).toEqual([1, 2, 3, 4]);
    for (const page of result.pages) {
      expect(page.text.trim().length).toBeGreaterThan(100);
    }
    // Each page's own text, not the whole document repeated.
    expect(new Set(result.pages.map((p) => p.text)).size).toBe(4);
  });

  it('google-doc-document.pdf: contains "Readability counts"', async () => {
    const result = await extractText(corpus('google-doc-document.pdf'), 'pdf');
    expect(flat(allText(result))).toContain('Readability counts');
    expect(flat(allText(result))).toContain('Example document');
  });

  it('multicolumn.pdf: contains "Two-Column Document"', async () => {
    const result = await extractText(corpus('multicolumn.pdf'), 'pdf');
    expect(flat(allText(result))).toContain('Two-Column Document');
    expect(result.pages[0].page).toBe(1);
  });

  it('imagemagick-images.pdf (images only) → no_extractable_text', async () => {
    await expectCode(
      () => extractText(corpus('imagemagick-images.pdf'), 'pdf'),
      'no_extractable_text',
    );
  });

  it('libreoffice-writer-password.pdf → encrypted_pdf', async () => {
    const error = await expectCode(
      () => extractText(corpus('libreoffice-writer-password.pdf'), 'pdf'),
      'encrypted_pdf',
    );
    expect(error.status).toBe(422);
  });

  it('single-paragraph.docx: "Walking on imported air"', async () => {
    const result = await extractText(corpus('single-paragraph.docx'), 'docx');
    expect(result).toEqual({
      pages: [{ page: 1, text: expect.stringContaining('Walking on imported air') }],
      pageCount: 1,
    });
  });

  it('tables.docx: cell text "Top left" and "Bottom right"', async () => {
    const text = allText(await extractText(corpus('tables.docx'), 'docx'));
    expect(text).toContain('Top left');
    expect(text).toContain('Bottom right');
    expect(text).toContain('Above');
    expect(text).toContain('Below');
  });

  it('footnotes.docx: body "Ouch." and the footnote text', async () => {
    const text = allText(await extractText(corpus('footnotes.docx'), 'docx'));
    expect(text).toContain('Ouch.');
    expect(text).toContain('A tachyon walks into a bar.');
    expect(text.indexOf('Ouch.')).toBeLessThan(text.indexOf('A tachyon'));
  });

  it('empty.docx → no_extractable_text', async () => {
    await expectCode(() => extractText(corpus('empty.docx'), 'docx'), 'no_extractable_text');
  });
});

describe('extractText: broken input', () => {
  it('a broken PDF → corrupt_file', async () => {
    const broken = Buffer.from('%PDF-1.7\n1 0 obj <<>> garbage without xref or trailer\n');
    await expectCode(() => extractText(broken, 'pdf'), 'corrupt_file');
    await expectCode(() => extractText(Buffer.from('not a pdf at all'), 'pdf'), 'corrupt_file');
  });

  it('a truncated docx → corrupt_file', async () => {
    const docx = corpus('tables.docx');
    await expectCode(() => extractText(docx.subarray(0, docx.length / 2), 'docx'), 'corrupt_file');
  });

  it('a ZIP that is not a docx → corrupt_file', async () => {
    const zip = buildZip([entry('hello.txt', 'hello world')]);
    await expectCode(() => extractText(zip, 'docx'), 'corrupt_file');
  });

  it('invalid UTF-8 or JSON → corrupt_file', async () => {
    await expectCode(() => extractText(Buffer.from('caf\xe9', 'latin1'), 'txt'), 'corrupt_file');
    await expectCode(() => extractText(Buffer.from('{"a":'), 'json'), 'corrupt_file');
  });

  it('text formats without text → no_extractable_text', async () => {
    await expectCode(() => extractText(Buffer.from(' \n\t '), 'txt'), 'no_extractable_text');
    await expectCode(
      () => extractText(Buffer.from('<html><body><img src="x.png"></body></html>'), 'html'),
      'no_extractable_text',
    );
    await expectCode(() => extractText(Buffer.from('{}'), 'json'), 'no_extractable_text');
  });
});

describe('extractText: limits', () => {
  it('more pages than maxPages → limit_exceeded', async () => {
    await expectCode(
      () => extractText(corpus('pdflatex-4-pages.pdf'), 'pdf', { maxPages: 3 }),
      'limit_exceeded',
    );
    await expect(
      extractText(corpus('pdflatex-4-pages.pdf'), 'pdf', { maxPages: 4 }),
    ).resolves.toMatchObject({ pageCount: 4 });
  });

  it('more text than maxChars → limit_exceeded (pdf, docx and text formats)', async () => {
    await expectCode(
      () => extractText(corpus('pdflatex-4-pages.pdf'), 'pdf', { maxChars: 1000 }),
      'limit_exceeded',
    );
    await expectCode(
      () => extractText(corpus('tables.docx'), 'docx', { maxChars: 10 }),
      'limit_exceeded',
    );
    const kinds: [DocumentKind, string][] = [
      ['txt', 'x'.repeat(101)],
      ['md', '# x\n' + 'x'.repeat(101)],
      ['html', `<p>${'x'.repeat(101)}</p>`],
      ['csv', `a,b\n${'x,y\n'.repeat(30)}`],
      ['json', JSON.stringify({ list: Array.from({ length: 30 }, (_, i) => ({ i })) })],
    ];
    for (const [kind, content] of kinds) {
      await expectCode(
        () => extractText(Buffer.from(content), kind, { maxChars: 100 }),
        'limit_exceeded',
      );
    }
  });

  it('has sane defaults and rejects nonsense limits', () => {
    expect(resolveLimits()).toEqual(DEFAULT_EXTRACTION_LIMITS);
    expect(DEFAULT_EXTRACTION_LIMITS).toMatchObject({
      maxPages: 2000,
      maxChars: 5_000_000,
      maxArchiveEntries: 2000,
      maxArchiveUncompressedBytes: 200 * 1024 * 1024,
      maxArchiveEntryRatio: 200,
    });
    expect(resolveLimits({ maxPages: 5, maxChars: undefined }).maxPages).toBe(5);
    expect(() => resolveLimits({ maxPages: 0 })).toThrow(RangeError);
    expect(() => resolveLimits({ maxChars: Number.NaN })).toThrow(RangeError);
  });
});

describe('extractText: text formats', () => {
  it('txt: UTF-8 with the BOM removed, CRLF unified', async () => {
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße\r\nWelt')]);
    await expect(extractText(content, 'txt')).resolves.toEqual({
      pages: [{ page: 1, text: 'Grüße\nWelt' }],
      pageCount: 1,
    });
  });

  it('md: the markdown text as it is', async () => {
    const result = await extractText(Buffer.from('# Title\n\nSome *text*.'), 'md');
    expect(allText(result)).toBe('# Title\n\nSome *text*.');
  });

  it('html: readable text without link targets, images, scripts or styles', async () => {
    const html = `<!DOCTYPE html><html><head><title>T</title><style>p { color: red }</style>
      <script>var secret = 1;</script></head><body>
      <h1>Heading stays as written</h1>
      <p>See <a href="https://example.com/page">the page</a> and <img src="a.png" alt="picture">.</p>
      <table><tr><th>Name</th><th>Age</th></tr><tr><td>Ada</td><td>36</td></tr></table>
      <script>alert('x')</script><noscript>enable js</noscript>
      </body></html>`;
    const text = allText(await extractText(Buffer.from(html), 'html'));
    expect(text).toContain('Heading stays as written');
    expect(text).toContain('See the page and');
    expect(text).toContain('Ada');
    expect(text).not.toMatch(/example\.com|a\.png|picture|secret|alert|color: red|enable js/);
  });

  it('csv: header: value lines per row, quoted fields with commas, quotes and newlines', async () => {
    const csv =
      'name,quote,city\r\n"Lovelace, Ada","She said ""hi""\nthen left",London\r\nTuring,,\n';
    const text = allText(await extractText(Buffer.from(csv), 'csv'));
    expect(text).toBe(
      'name: Lovelace, Ada\nquote: She said "hi" then left\ncity: London\n\nname: Turing',
    );
  });

  it('csv: semicolon and tab delimiters, single-row files', async () => {
    expect(parseCsv('a;b\n1;"2;3"')).toEqual([
      ['a', 'b'],
      ['1', '2;3'],
    ]);
    expect(parseCsv('a\tb\n1\t2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    const text = allText(await extractText(Buffer.from('only,one,row'), 'csv'));
    expect(text).toBe('only, one, row');
  });

  it('json: key paths and values, arrays of scalars on one line, depth bounded', async () => {
    const json = {
      title: 'Report',
      author: { name: 'Ada', tags: ['math', 'poetry'] },
      items: [
        { id: 1, ok: true },
        { id: 2, note: null },
      ],
      deep: { a: { b: { c: { d: 'bottom' } } } },
    };
    const text = allText(
      await extractText(Buffer.from(JSON.stringify(json)), 'json', { maxJsonDepth: 3 }),
    );
    expect(text.split('\n')).toEqual([
      'title: Report',
      'author.name: Ada',
      'author.tags: math, poetry',
      'items[0].id: 1',
      'items[0].ok: true',
      'items[1].id: 2',
      'deep.a.b: {"c":{"d":"bottom"}}',
    ]);
  });

  it('json: a top-level scalar', async () => {
    expect(allText(await extractText(Buffer.from('"hello"'), 'json'))).toBe('hello');
  });
});
