import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuiltWorker } from './support/built-worker';

/**
 * The extraction thread pool only exists in compiled code (under jest extraction runs in-process),
 * so this drives the built module in a plain node process and reads what it reports.
 */
const ROOT = join(__dirname, '..');
const MODULE = join(ROOT, 'dist/apps/worker/libs/documents/src/worker/extract-in-thread.js');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');

const SCRIPT = `
const m = require(${JSON.stringify(MODULE)});
const fs = require('node:fs');
const corpus = (name) => fs.readFileSync(require('node:path').join(${JSON.stringify(CORPUS)}, name));
const code = (p) => p.then(() => 'ok', (e) => e.code || e.message);
(async () => {
  const out = {};
  const texts = [];
  for (let i = 0; i < 10; i++) {
    const r = await m.extractInThread(Buffer.from('document number ' + i), 'txt');
    texts.push(r.pages[0].text);
  }
  out.texts = texts;
  out.afterTen = m.extractionThreadsStarted();
  out.encrypted = await code(m.extractInThread(corpus('libreoffice-writer-password.pdf'), 'pdf'));
  const pdf = await m.extractInThread(corpus('pdflatex-4-pages.pdf'), 'pdf');
  out.pdfPages = pdf.pageCount;
  out.afterCleanError = m.extractionThreadsStarted();
  // a thread that runs out of memory is dropped, and the next request still works
  const big = Buffer.from('word '.repeat(8 * 1024 * 1024));
  out.oom = await code(m.extractInThread(big, 'txt', { maxOldGenerationSizeMb: 16 }));
  out.afterOom = m.extractionThreadsStarted();
  out.next = (await m.extractInThread(Buffer.from('still fine'), 'txt')).pages[0].text;
  out.afterNext = m.extractionThreadsStarted();
  process.stdout.write(JSON.stringify(out));
  // no close call: idle threads must not keep the process alive
})();
`;

describe('extraction threads (built worker code)', () => {
  beforeAll(() => {
    ensureBuiltWorker();
  }, 180_000);

  it('reuses one thread across jobs and clean extraction errors, replaces one that ran out of memory, and lets the process exit', () => {
    const run = spawnSync(process.execPath, ['-e', SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out.texts).toEqual(Array.from({ length: 10 }, (_, i) => `document number ${i}`));
    expect(out.afterTen).toBe(1);
    expect(out.encrypted).toBe('encrypted_pdf');
    expect(out.pdfPages).toBe(4);
    expect(out.afterCleanError).toBe(1);
    expect(out.oom).toBe('limit_exceeded');
    expect(out.afterOom).toBe(2);
    expect(out.next).toBe('still fine');
    // the healthy thread was still idle and served it
    expect(out.afterNext).toBe(2);
  });
});
