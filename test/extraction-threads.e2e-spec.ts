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
  // a thread that does not answer in time is terminated, never reused: the next request gets a new one
  const big = Buffer.from('word '.repeat(8 * 1024 * 1024));
  out.timedOut = await code(m.extractInThread(big, 'txt', { timeoutMs: 20, limits: { maxChars: 1e9 } }));
  out.afterTimeout = m.extractionThreadsStarted();
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

  it('reuses one thread across jobs and clean extraction errors, replaces one that timed out, and lets the process exit', () => {
    const run = spawnSync(process.execPath, ['-e', SCRIPT], { encoding: 'utf8', timeout: 120_000 });
    // on failure, show what the child said
    expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out.texts).toEqual(Array.from({ length: 10 }, (_, i) => `document number ${i}`));
    expect(out.afterTen).toBe(1);
    expect(out.encrypted).toBe('encrypted_pdf');
    expect(out.pdfPages).toBe(4);
    expect(out.afterCleanError).toBe(1);
    expect(out.timedOut).toBe('Text extraction timed out after 20 ms.');
    // the timed-out request had taken the one idle thread
    expect(out.afterTimeout).toBe(1);
    expect(out.next).toBe('still fine');
    // ... which was terminated, so the next request started a fresh thread
    expect(out.afterNext).toBe(2);
  });
});
