import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuiltWorker } from './support/built-worker';
import { pdfBomb } from './support/hostile-files';
import { CORPUS_DIR as CORPUS } from './support/shared';

/**
 * The extraction process pool only exists in compiled code (under jest extraction runs
 * in-process), so this drives the built module in a plain node process and reads what it reports.
 * (The file keeps its name from when extraction ran in worker threads.)
 */
const ROOT = join(__dirname, '..');
const MODULE = join(ROOT, 'dist/apps/worker/libs/documents/src/worker/extract-in-child.js');

const SCRIPT = `
const m = require(${JSON.stringify(MODULE)});
const fs = require('node:fs');
const corpus = (name) => fs.readFileSync(require('node:path').join(${JSON.stringify(CORPUS)}, name));
const code = (p) => p.then(() => 'ok', (e) => (e.code || e.message) + (e.permanent ? ' (permanent)' : ''));
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
(async () => {
  const out = {};
  const texts = [];
  for (let i = 0; i < 10; i++) {
    const r = await m.extractInChild(Buffer.from('document number ' + i), 'txt');
    texts.push(r.pages[0].text);
  }
  out.texts = texts;
  out.afterTen = m.extractionChildrenStarted();
  const [first] = m.extractionChildPids();
  out.separateProcess = first !== process.pid && alive(first);
  // the parent's environment (secrets) is not handed to the process that parses hostile files
  out.childEnvironment = fs.readFileSync('/proc/' + first + '/environ', 'utf8').split('\\0').filter(Boolean);
  out.encrypted = await code(m.extractInChild(corpus('libreoffice-writer-password.pdf'), 'pdf'));
  const pdf = await m.extractInChild(corpus('pdflatex-4-pages.pdf'), 'pdf');
  out.pdfPages = pdf.pageCount;
  out.afterCleanError = m.extractionChildrenStarted();
  // a child that does not answer in time is killed, never reused: a permanent limit_exceeded
  const big = Buffer.from('word '.repeat(8 * 1024 * 1024));
  out.timedOut = await code(m.extractInChild(big, 'txt', { timeoutMs: 20, limits: { maxChars: 1e9 } }));
  out.afterTimeout = m.extractionChildrenStarted();
  await new Promise((resolve) => setTimeout(resolve, 200));
  out.killedAfterTimeout = !alive(first);
  out.next = (await m.extractInChild(Buffer.from('still fine'), 'txt')).pages[0].text;
  out.afterNext = m.extractionChildrenStarted();
  // memory outside the V8 heap counts too: a PDF whose stream pdf.js decodes into a 100 MB
  // ArrayBuffer passes a 64 MB heap cap but not a 200 MB resident-memory cap
  out.rss = await code(
    m.extractInChild(fs.readFileSync(process.argv[1]), 'pdf', {
      maxOldGenerationSizeMb: 64,
      maxRssMb: 200,
      limits: { maxDecodedBytes: 1e10 },
    }),
  );
  // a heap that cannot hold the text: V8 aborts the child, reported as limit_exceeded
  out.heap = await code(
    m.extractInChild(Buffer.from('x,'.repeat(20 * 1024 * 1024)), 'csv', {
      maxOldGenerationSizeMb: 32,
      maxRssMb: 4096,
      limits: { maxChars: 1e9 },
    }),
  );
  out.afterLimits = m.extractionChildrenStarted();
  process.stdout.write(JSON.stringify(out));
  // no close call: idle children must not keep the process alive
})();
`;

describe('extraction processes (built worker code)', () => {
  let bomb: string;

  beforeAll(() => {
    ensureBuiltWorker();
    // 150 MiB decoded: under the budget that is lifted below, over the RSS cap
    bomb = join(mkdtempSync(join(tmpdir(), 'docent-extract-')), 'bomb.pdf');
    writeFileSync(bomb, pdfBomb(150));
  }, 180_000);

  it('reuses one process across jobs and clean errors, kills one over time, heap or RSS (permanent limit_exceeded), and lets the parent exit', () => {
    const run = spawnSync(process.execPath, ['-e', SCRIPT, bomb], {
      env: {
        ...process.env,
        JWT_ACCESS_SECRET: 'a-secret-the-parser-must-not-see',
        DATA_ENCRYPTION_KEYS: 'k1:c2VjcmV0',
      },
      encoding: 'utf8',
      timeout: 180_000,
    });
    // on failure, show what the child said
    expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out.texts).toEqual(Array.from({ length: 10 }, (_, i) => `document number ${i}`));
    expect(out.afterTen).toBe(1);
    expect(out.separateProcess).toBe(true);
    const childEnvironment = out.childEnvironment as string[];
    expect(childEnvironment.join('\n')).not.toMatch(
      /JWT_ACCESS_SECRET|DATA_ENCRYPTION_KEYS|secret/,
    );
    // NODE_ENV, plus the IPC channel node itself sets up for a forked child
    expect(
      childEnvironment
        .map((entry) => entry.split('=')[0])
        .filter((name) => !name.startsWith('NODE_CHANNEL_')),
    ).toEqual(['NODE_ENV']);
    expect(out.encrypted).toBe('encrypted_pdf (permanent)');
    expect(out.pdfPages).toBe(4);
    expect(out.afterCleanError).toBe(1);
    expect(out.timedOut).toBe('limit_exceeded (permanent)');
    // the timed-out request had taken the one idle process, which was killed
    expect(out.afterTimeout).toBe(1);
    expect(out.killedAfterTimeout).toBe(true);
    expect(out.next).toBe('still fine');
    // ... so the next request started a fresh process
    expect(out.afterNext).toBe(2);
    expect(out.rss).toBe('limit_exceeded (permanent)');
    expect(out.heap).toBe('limit_exceeded (permanent)');
    expect(out.afterLimits).toBe(4);
  });

  it("streams a document's chunks out of the process in batches: complete, in order, the child reused; a stream cut short resets it, a killed child fails the stream", () => {
    const CHUNKER = join(ROOT, 'dist/apps/worker/libs/documents/src/ingestion/chunker.js');
    const script = `
const m = require(${JSON.stringify(MODULE)});
const { chunkPages } = require(${JSON.stringify(CHUNKER)});
const words = ['river', 'stone', 'lantern', 'harbour', 'meadow', 'copper', 'violet', 'engine'];
let text = '';
for (let i = 0; text.length < 1_500_000; i++) {
  text += words[(i * 7) % words.length] + (i % 97 === 96 ? '.\\n\\n' : i % 13 === 12 ? '\\n' : ' ');
}
const options = { size: 1000, overlap: 150 };
const code = (p) => p.then(() => 'ok', (e) => (e.code || e.message) + (e.permanent ? ' (permanent)' : ''));
(async () => {
  const out = {};
  const expected = await chunkPages([{ page: 1, text }], options);
  const stream = await m.extractChunks(Buffer.from(text), 'txt', options);
  out.pageCount = stream.pageCount;
  out.chunkCount = await stream.chunk();
  const got = [];
  const sizes = [];
  for (;;) {
    const batch = await stream.next();
    if (batch.length === 0) break;
    sizes.push(batch.length);
    got.push(...batch);
  }
  stream.close();
  out.expected = expected.length;
  out.same = JSON.stringify(got) === JSON.stringify(expected);
  out.batches = sizes.length;
  out.largest = Math.max(...sizes);
  out.afterStream = m.extractionChildrenStarted();
  // the file sent in parts (as the pipeline reads it) gives the same chunks
  const partsOf = async function* (buffer, size) {
    for (let at = 0; at < buffer.length; at += size) yield buffer.subarray(at, at + size);
  };
  const file = Buffer.from(text);
  const parted = await m.extractChunks({ size: file.length, parts: partsOf(file, 65536) }, 'txt', options);
  await parted.chunk();
  const partedChunks = [];
  for (let batch = await parted.next(); batch.length > 0; batch = await parted.next()) partedChunks.push(...batch);
  parted.close();
  out.partedSame = JSON.stringify(partedChunks) === JSON.stringify(expected);
  // more bytes than announced: a permanent corrupt_file, and the (healthy) process is reused
  out.oversize = await code(
    m.extractChunks({ size: 10, parts: partsOf(Buffer.from('more than ten bytes'), 4) }, 'txt', options),
  );
  out.afterParts = m.extractionChildrenStarted();
  // a stream abandoned half-way: the child forgets it and serves the next request
  const cut = await m.extractChunks(Buffer.from(text), 'txt', options);
  await cut.chunk();
  out.cutFirst = (await cut.next()).length;
  cut.close();
  out.afterCut = (await m.extractInChild(Buffer.from('after the cut'), 'txt')).pages[0].text;
  out.afterCutStarted = m.extractionChildrenStarted();
  // the process dies mid-stream: the stream fails (not permanent: a retry may succeed)
  const doomed = await m.extractChunks(Buffer.from(text), 'txt', options);
  await doomed.chunk();
  await doomed.next();
  process.kill(m.extractionChildPids()[0], 'SIGKILL');
  out.killed = await code(doomed.next());
  doomed.close();
  out.afterKill = (await m.extractInChild(Buffer.from('a fresh one'), 'txt')).pages[0].text;
  out.afterKillStarted = m.extractionChildrenStarted();
  out.batchLimit = m.CHUNK_BATCH;
  process.stdout.write(JSON.stringify(out));
})();
`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out.pageCount).toBe(1);
    expect(out.chunkCount).toBe(out.expected);
    expect(out.same).toBe(true);
    expect(out.batches).toBeGreaterThan(2);
    expect(out.largest).toBe(out.batchLimit);
    expect(out.afterStream).toBe(1);
    expect(out.partedSame).toBe(true);
    expect(out.oversize).toBe('corrupt_file (permanent)');
    expect(out.afterParts).toBe(1);
    expect(out.cutFirst).toBe(out.batchLimit);
    expect(out.afterCut).toBe('after the cut');
    expect(out.afterCutStarted).toBe(1);
    expect(out.killed).toMatch(/^The extraction process exited \(SIGKILL\) without a result/);
    expect(out.afterKill).toBe('a fresh one');
    expect(out.afterKillStarted).toBe(2);
  });
});
