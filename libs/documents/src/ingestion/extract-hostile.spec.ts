import { extractText } from './extract';
import { parseCsv } from './text-extractors';
import { checkPdfDecodedBytes } from './pdf-budget';
import {
  allText,
  buildZip,
  corpus,
  deflatedZeros,
  docxParts,
  expectCode,
  pdfBomb,
  runInChild,
  SIMPLE_DOCUMENT_XML,
} from './test-support';

/* extractText on hostile input: shapes that made parsers slow or crash, decompression bombs. */

describe('extractText: hostile text shapes (issue 12 item 4)', () => {
  it('csv: 1 MB of "a"" repeated ends fast as a permanent corrupt_file (the old parser was quadratic)', async () => {
    // run in a child: the old parser spent minutes on this (300 KB: 160 s) and cannot be interrupted
    const run = await runInChild<{ code: string; permanent: boolean; ms: number }>(
      `
      const { extractText } = require(${JSON.stringify(require.resolve('./extract'))});
      const content = Buffer.from('"a""'.repeat(256 * 1024));
      const started = performance.now();
      try {
        await extractText(content, 'csv', { maxChars: 1e9 });
        return { code: 'none', permanent: false, ms: performance.now() - started };
      } catch (error) {
        return { code: error.code, permanent: error.permanent, ms: performance.now() - started };
      }`,
      30_000,
    );
    expect(run.timedOut).toBe(false);
    if (run.timedOut) return;
    expect(run.value).toMatchObject({ code: 'corrupt_file', permanent: true });
    expect(run.value.ms).toBeLessThan(5000);
  }, 40_000);

  it('csv: 1 MB of other quoting and delimiter shapes parses in linear time', async () => {
    // in a child, bounded: quadratic parsing took 160 s on 300 KB; linear takes about a second
    // per shape here on a busy machine
    const shapes = ['"a""', 'a"', '""', '"\n', ',', 'x\r', '"",', ' "'];
    const run = await runInChild<{ unit: string; outcome: string; ms: number }[]>(
      `
      const { extractText } = require(${JSON.stringify(require.resolve('./extract'))});
      const results = [];
      for (const unit of ${JSON.stringify(shapes)}) {
        const content = Buffer.from(unit.repeat(Math.ceil((1024 * 1024) / unit.length)));
        const started = performance.now();
        const outcome = await extractText(content, 'csv', { maxChars: 1e9 }).then(
          () => 'completed',
          (error) => (error.permanent ? error.code : 'transient ' + error.message),
        );
        results.push({ unit, outcome, ms: performance.now() - started });
      }
      return results;`,
      120_000,
    );
    expect(run.timedOut).toBe(false);
    if (run.timedOut) return;
    for (const { outcome, ms } of run.value) {
      expect(['completed', 'corrupt_file', 'no_extractable_text']).toContain(outcome);
      expect(ms).toBeLessThan(20_000);
    }
  }, 130_000);

  it('csv: a quote left open is corrupt_file, a record over maxChars limit_exceeded', async () => {
    await expectCode(() => extractText(Buffer.from('a,b\n1,"2\n3,4'), 'csv'), 'corrupt_file');
    await expectCode(
      () => extractText(Buffer.from(`a,b\n1,${'x'.repeat(500)}\n`), 'csv', { maxChars: 100 }),
      'limit_exceeded',
    );
    expect(parseCsv('a , "b,c" ,d\r\n1,2\r3,4\n')).toEqual([
      ['a', 'b,c', 'd'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('json: 100,000 levels deep is a permanent limit_exceeded (was a transient RangeError, retried)', async () => {
    const deep = Buffer.from('['.repeat(100_000) + ']'.repeat(100_000));
    const error = await expectCode(() => extractText(deep, 'json'), 'limit_exceeded');
    expect(error.message).toContain('512 levels');
    const objects = Buffer.from('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000));
    await expectCode(() => extractText(objects, 'json'), 'limit_exceeded');
  });

  it('json: nesting up to maxJsonNesting is fine; brackets inside strings do not count', async () => {
    const ok = '['.repeat(512) + '"x"' + ']'.repeat(512);
    expect(allText(await extractText(Buffer.from(ok), 'json'))).toContain('x');
    await expectCode(
      () => extractText(Buffer.from('['.repeat(513) + ']'.repeat(513)), 'json'),
      'limit_exceeded',
    );
    const brackets = JSON.stringify({ text: '[[[[{{{{\\"[[[[' });
    expect(
      allText(await extractText(Buffer.from(brackets), 'json', { maxJsonNesting: 2 })),
    ).toContain('text: [[[[{{{{\\"[[[[');
  });

  it('a RangeError anywhere in extraction (here html nested 20,000 deep) is a permanent limit_exceeded', async () => {
    const html = Buffer.from(`${'<div>'.repeat(20_000)}x${'</div>'.repeat(20_000)}`);
    const error = await expectCode(() => extractText(html, 'html'), 'limit_exceeded');
    expect(error.cause).toBeInstanceOf(RangeError);
  });
});

describe('extractText: decompression bombs (issue 12 item 3)', () => {
  it('a PDF whose stream inflates past maxDecodedBytes is a permanent limit_exceeded, found fast', async () => {
    const bomb = pdfBomb(300); // ~300 KB on disk, 300 MiB decoded (default budget 256 MiB)
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const started = performance.now();
    const error = await expectCode(() => extractText(bomb, 'pdf'), 'limit_exceeded');
    expect(error.message).toContain('256 MB');
    expect(performance.now() - started).toBeLessThan(20_000);
    await expectCode(
      () => extractText(pdfBomb(3), 'pdf', { maxDecodedBytes: 2 * 1024 * 1024 }),
      'limit_exceeded',
    );
  }, 30_000);

  it('a PDF within the budget is extracted as before; the check counts every Flate stream', async () => {
    const small = pdfBomb(1, 'Within budget');
    expect(allText(await extractText(small, 'pdf'))).toContain('Within budget');
    await expect(checkPdfDecodedBytes(small, { maxDecodedBytes: 1e9 })).resolves.toBe(1024 * 1024);
    const decoded = await checkPdfDecodedBytes(corpus('pdflatex-4-pages.pdf'), {
      maxDecodedBytes: 1e9,
    });
    expect(decoded).toBeGreaterThan(1000);
  });

  it('a docx whose document.xml inflates hugely is an archive_bomb (ratio and total bounded)', async () => {
    const zip = buildZip([
      ...docxParts(SIMPLE_DOCUMENT_XML).slice(0, 2),
      {
        name: 'word/document.xml',
        data: deflatedZeros(300),
        method: 8,
        declaredUncompressedSize: 1000,
      },
    ]);
    await expectCode(() => extractText(zip, 'docx'), 'archive_bomb');
  });
});
