import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuiltWorker } from './support/built-worker';
import { CORPUS_DIR as CORPUS } from './support/shared';

/**
 * Issue 20, point 4: the extraction process is confined by Node's permission model. Code run
 * inside it (standing for a parser bug such as CVE-2024-4367) may not read another path, write a
 * file, spawn `sh` or start a worker thread; the document fails with a permanent
 * `sandbox_violation`, and the next document on the same pool completes in a fresh process.
 *
 * The hostile code is a preload given through the pool's `preload` option (tests only), so the
 * child is the real pooled one, started with the exec arguments the pool computes. It replaces
 * `JSON.parse`: a JSON document `{"docent-probe": action, "target": path}` makes the parser run
 * `action` in the middle of extraction. If the action works, the document completes and its text
 * says what escaped (the test then fails); the `noop` action proves the hook really runs there.
 */
const ROOT = join(__dirname, '..');
const MODULE = join(ROOT, 'dist/apps/worker/libs/documents/src/worker/extract-in-child.js');

const PROBE = `
const fs = require('node:fs');
const parse = JSON.parse;
const act = (action, target) => {
  switch (action) {
    case 'noop': return 'the probe ran';
    case 'read': return fs.readFileSync(target, 'utf8').slice(0, 200);
    case 'list': return fs.readdirSync(target).join(',');
    case 'write': fs.writeFileSync(target, 'written from the extraction process'); return 'wrote ' + target;
    case 'spawn': return require('node:child_process').execFileSync('sh', ['-c', 'echo spawned'], { encoding: 'utf8' });
    case 'worker': new (require('node:worker_threads').Worker)('1', { eval: true }); return 'started a worker';
    // nobody catches this one: node prints it and the process exits before it answers
    case 'uncaught-read': process.nextTick(() => fs.readFileSync(target)); return 'scheduled';
    default: throw new Error('unknown probe ' + action);
  }
};
JSON.parse = function (text, reviver) {
  const value = parse.call(this, text, reviver);
  if (value === null || typeof value !== 'object' || typeof value['docent-probe'] !== 'string') return value;
  return { escaped: act(value['docent-probe'], value.target) };
};
`;

const SCRIPT = `
const m = require(${JSON.stringify(MODULE)});
const fs = require('node:fs');
const path = require('node:path');
const [preload, targets] = [process.argv[1], JSON.parse(process.argv[2])];
const options = { preload };
const outcome = (p) => p.then(
  (r) => ({ ok: r.pages.map((page) => page.text).join('\\n') }),
  (e) => ({ code: e.code || e.message, permanent: e.permanent, cause: e.cause && e.cause.message }),
);
const probe = (action, target) =>
  outcome(m.extractInChild(Buffer.from(JSON.stringify({ 'docent-probe': action, target })), 'json', options));
const normal = (i) => outcome(m.extractInChild(Buffer.from(JSON.stringify({ note: 'document ' + i })), 'json', options));
(async () => {
  const out = { cases: {} };
  out.first = await normal(0);
  const [pid] = m.extractionChildPids();
  out.cmdline = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').filter(Boolean);
  out.noop = await probe('noop');
  out.afterNoop = m.extractionChildrenStarted();
  const cases = [
    ['read', targets.tenantFile],
    ['list', targets.tenantDir],
    ['read', '/etc/passwd'],
    ['read', '/proc/' + process.pid + '/environ'],
    ['write', targets.written],
    ['spawn'],
    ['worker'],
    ['uncaught-read', targets.tenantFile],
  ];
  for (const [action, target] of cases) {
    const before = m.extractionChildrenStarted();
    const hostile = await probe(action, target);
    const next = await normal(action);
    out.cases[action + (target ? ' ' + target : '')] = {
      hostile,
      next,
      started: m.extractionChildrenStarted() - before,
    };
  }
  // the parsers themselves work within the sandbox
  const corpus = (name) => fs.readFileSync(path.join(${JSON.stringify(CORPUS)}, name));
  out.corpus = {
    pdf: await outcome(m.extractInChild(corpus('pdflatex-4-pages.pdf'), 'pdf', options)),
    docx: await outcome(m.extractInChild(corpus('footnotes.docx'), 'docx', options)),
    html: await outcome(m.extractInChild(Buffer.from('<h1>Title</h1><p>body</p>'), 'html', options)),
    csv: await outcome(m.extractInChild(Buffer.from('a,b\\n1,2\\n'), 'csv', options)),
  };
  process.stdout.write(JSON.stringify(out));
})();
`;

interface Outcome {
  ok?: string;
  code?: string;
  permanent?: boolean;
  cause?: string;
}

describe('extraction sandbox (built worker code, real pooled processes)', () => {
  let dir: string;
  let targets: { tenantDir: string; tenantFile: string; written: string };
  let run: SpawnSyncReturns<string>;
  let out: {
    first: Outcome;
    cmdline: string[];
    noop: Outcome;
    afterNoop: number;
    cases: Record<string, { hostile: Outcome; next: Outcome; started: number }>;
    corpus: Record<string, Outcome>;
  };

  beforeAll(() => {
    ensureBuiltWorker();
    dir = mkdtempSync(join(tmpdir(), 'docent-sandbox-'));
    // another tenant's stored file
    const tenantDir = join(dir, 'storage', 'tenant-b');
    mkdirSync(tenantDir, { recursive: true });
    const tenantFile = join(tenantDir, 'secret.bin');
    writeFileSync(tenantFile, 'tenant b confidential');
    targets = { tenantDir, tenantFile, written: join(dir, 'written-by-parser.txt') };
    const preload = join(dir, 'probe.js');
    writeFileSync(preload, PROBE);
    run = spawnSync(process.execPath, ['-e', SCRIPT, preload, JSON.stringify(targets)], {
      env: { ...process.env, JWT_ACCESS_SECRET: 'a-secret-the-parser-must-not-see' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    out = JSON.parse(run.stdout || '{}') as typeof out;
  }, 180_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the pool to the end', () => {
    expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
  });

  it('starts the extraction process with --permission and no other grant than reading', () => {
    const flags = out.cmdline.filter((arg) => arg.startsWith('--'));
    expect(flags).toContain('--permission');
    expect(flags.filter((flag) => /^--allow-(?!fs-read=)/.test(flag))).toEqual([]);
    const readable = flags
      .filter((flag) => flag.startsWith('--allow-fs-read='))
      .map((flag) => flag.slice('--allow-fs-read='.length));
    // its own code, the extractor packages and the test's preload; never a whole tree
    expect(readable).toContain(join(dir, 'probe.js'));
    expect(readable).not.toContain('*');
    // nothing that covers the storage directory of the test (or /tmp, or /)
    expect(readable.filter((path) => dir === path || dir.startsWith(`${path}/`))).toEqual([]);
  });

  it('runs the probe inside extraction (the hostile cases below are really attempted)', () => {
    expect(out.first).toEqual({ ok: 'note: document 0' });
    expect(out.noop).toEqual({ ok: 'escaped: the probe ran' });
    expect(out.afterNoop).toBe(1);
  });

  const expectRefused = (key: string, permission: RegExp) => {
    const { hostile, next, started } = out.cases[key];
    expect(hostile.ok).toBeUndefined();
    expect(hostile).toMatchObject({ code: 'sandbox_violation', permanent: true });
    expect(hostile.cause).toMatch(permission);
    // the next document completes, in a fresh process: the violating one was not reused
    expect(next.ok).toMatch(/^note: document /);
    expect(started).toBe(1);
  };

  it("(a) refuses reading another tenant's file, listing the storage directory, /etc/passwd and the worker's environment", () => {
    expectRefused(`read ${targets.tenantFile}`, /FileSystemRead/);
    expectRefused(`list ${targets.tenantDir}`, /FileSystemRead/);
    expectRefused('read /etc/passwd', /FileSystemRead/);
    const environ = Object.keys(out.cases).find((key) => key.endsWith('/environ'));
    expectRefused(environ ?? 'read /proc/?/environ', /FileSystemRead/);
  });

  it('(b) refuses writing a file', () => {
    expectRefused(`write ${targets.written}`, /FileSystemWrite/);
    expect(existsSync(targets.written)).toBe(false);
  });

  it('(c) refuses spawning sh', () => {
    expectRefused('spawn', /ChildProcess/);
  });

  it('(d) refuses starting a worker thread', () => {
    expectRefused('worker', /WorkerThreads/);
  });

  it('a denial nobody catches (the process dies) is the same permanent sandbox_violation', () => {
    expectRefused(`uncaught-read ${targets.tenantFile}`, /FileSystemRead.*secret\.bin/);
    expect(readFileSync(targets.tenantFile, 'utf8')).toBe('tenant b confidential');
  });

  it('extracts pdf, docx, html and csv within the sandbox', () => {
    expect(out.corpus.pdf.ok).toMatch(/\S/);
    expect(out.corpus.docx.ok).toMatch(/\S/);
    expect(out.corpus.html.ok).toMatch(/Title/);
    expect(out.corpus.csv.ok).toBe('a: 1\nb: 2');
  });
});
