import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import {
  type ApiProcess,
  ensureBuiltApi,
  ensureBuiltWorker,
  spawnBuiltApi,
  spawnBuiltWorker,
  type WorkerProcess,
} from './support/built-worker';
import { testEnv } from './support/config';
import { docxBomb, pdfBomb } from './support/hostile-files';
import { newIdentity } from './support/stack';

/**
 * Issue 12, guard rail "a corpus of hostile files": files generated here (regex bombs for every
 * sniffer, PDF and DOCX decompression bombs, quadratic CSV and deeply nested JSON/HTML shapes, a
 * 10 MB line) are uploaded one by one to the built api while the built worker ingests them.
 * Each upload must answer within UPLOAD_BOUND_MS; the api's event loop must never be blocked for
 * more than EVENT_LOOP_BOUND_MS: a probe in another process pings /health/live every 20 ms and
 * reads the CPU time of the api's main thread at each answer, so the CPU time between two answers
 * is how long code held the loop (wall-time measures, the probe's answer times and the api's own
 * monitorEventLoopDelay maximum from /metrics, also count time spent waiting for a CPU on a
 * shared machine: they are reported and held to the issue's outside bound, 1 s); every document
 * must end `completed` or `failed` with a permanent code on its first attempt, and the worker's memory
 * (its own and its extraction processes') must stay under the stated bounds.
 */

const UPLOAD_BOUND_MS = 30_000;
const EVENT_LOOP_BOUND_MS = 100;
/** What the attacker run allows for `/health/live` as seen from outside. */
const PROBE_BOUND_MS = 1000;
/** EXTRACTION_MAX_RSS_MB for this run; the watchdog polls every 100 ms, so allow some overshoot. */
const EXTRACTION_MAX_RSS_MB = 1024;
const CHILD_RSS_BOUND_MB = EXTRACTION_MAX_RSS_MB + 256;
/**
 * The worker process itself (queue, database, chunking, indexing): never holds a decoded bomb.
 * 768 MB, plus the sentence encoder that embeds the chunks (its model and WebAssembly heap: a
 * process holding it measured 310 MB against 45 MB bare, and stayed there embedding 2,000
 * characters without a space, as long as prose took).
 */
const ENCODER_RSS_MB = 288;
const WORKER_RSS_BOUND_MB = 768 + ENCODER_RSS_MB;

const PERMANENT_CODES = ['limit_exceeded', 'archive_bomb', 'corrupt_file', 'no_extractable_text'];

interface HostileFile {
  name: string;
  content: Buffer;
  /** Rejected at upload with this code, or the final state: completed / failed code. */
  expected: { rejected: string } | 'completed' | { failed: string };
}

/** `<!---->`×40 + `x`, told apart per extension (the same content twice is a duplicate). */
const commentBomb = (tag: string) => Buffer.from(`${'<!---->'.repeat(40)}x ${tag}`);

async function hostileCorpus(): Promise<HostileFile[]> {
  const megabyte = 1024 * 1024;
  return [
    // regex bombs for every sniffer: the old HTML-document pattern took hours on 40 comments
    { name: 'comments.txt', content: commentBomb('txt'), expected: 'completed' },
    { name: 'comments.md', content: commentBomb('md'), expected: 'completed' },
    { name: 'comments.csv', content: commentBomb('csv'), expected: 'completed' },
    {
      name: 'comments.json',
      content: commentBomb('json'),
      expected: { rejected: 'type_mismatch' },
    },
    {
      name: 'comments.html',
      content: commentBomb('html'),
      expected: { rejected: 'type_mismatch' },
    },
    {
      name: 'open-comments.txt',
      content: Buffer.from('<!--'.repeat(256 * 1024)),
      expected: 'completed',
    },
    {
      name: 'tag-openers.html',
      content: Buffer.from('<'.repeat(megabyte)),
      expected: { rejected: 'type_mismatch' },
    },
    {
      name: 'doctypes.txt',
      content: Buffer.from('<!doctype '.repeat(100 * 1024)),
      expected: 'completed',
    },
    // decompression bombs: 800 MiB behind ~0.8 MB, 300 MiB behind ~0.3 MB
    { name: 'bomb.pdf', content: pdfBomb(800), expected: { failed: 'limit_exceeded' } },
    { name: 'bomb.docx', content: await docxBomb(300), expected: { failed: 'archive_bomb' } },
    // quadratic and deep shapes
    {
      name: 'quotes.csv',
      content: Buffer.from('"a""'.repeat(megabyte / 4)),
      expected: { failed: 'corrupt_file' },
    },
    {
      name: 'deep.json',
      content: Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)),
      expected: { failed: 'limit_exceeded' },
    },
    {
      name: 'deep.html',
      content: Buffer.from(`<html><body>${'<div>'.repeat(50_000)}x${'</div>'.repeat(50_000)}`),
      expected: { failed: 'limit_exceeded' },
    },
    // a 10 MB line without a space or newline: chunked in linear time
    {
      name: 'one-line.txt',
      content: Buffer.alloc(10 * megabyte, 'a'),
      expected: 'completed',
    },
  ];
}

interface ProbeReport {
  /** The slowest answer (wall time), ms. */
  maxMs: number;
  /** The most CPU time the api's main thread used between two consecutive answers, ms. */
  maxBlockedMs: number;
  count: number;
  failures: number;
  /** The five slowest answers: wall ms, main-thread CPU ms in that interval, when (epoch ms). */
  slowest: { ms: number; cpuMs: number; at: number }[];
}

/**
 * A separate process that GETs /health/live every 20 ms and records, for each answer, its wall
 * time and the CPU time the api's main thread used since the previous answer (from
 * /proc/<pid>/task/<pid>/stat, 10 ms ticks). The event loop was free at both answers, so the
 * CPU time in between bounds how long code kept it blocked, whatever the scheduler did: on a
 * shared, oversubscribed machine the wall time also counts the time the api waited for a CPU.
 */
function startProbe(url: string, apiPid: number): { stop(): Promise<ProbeReport> } {
  const script = `
const fs = require('node:fs');
const [url, pid, tick] = process.argv.slice(1);
const cpu = () => {
  const stat = fs.readFileSync('/proc/' + pid + '/task/' + pid + '/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * Number(tick);
};
let maxMs = 0, maxBlockedMs = 0, count = 0, failures = 0, running = true;
const slowest = [];
(async () => {
  let before = cpu();
  while (running) {
    const started = performance.now();
    try { const res = await fetch(url); await res.arrayBuffer(); if (!res.ok) failures++; } catch { failures++; }
    const ms = performance.now() - started;
    const now = cpu();
    const cpuMs = now - before;
    before = now;
    maxMs = Math.max(maxMs, ms);
    maxBlockedMs = Math.max(maxBlockedMs, cpuMs);
    count++;
    slowest.push({ ms: Math.round(ms), cpuMs, at: Date.now() });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();
process.on('SIGTERM', () => {
  running = false;
  process.stdout.write(JSON.stringify({ maxMs, maxBlockedMs, count, failures, slowest }));
  process.exit(0);
});
`;
  const tick = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const child = spawn(process.execPath, ['-e', script, url, String(apiPid), String(tick)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  return {
    async stop() {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await closed;
      return JSON.parse(stdout) as ProbeReport;
    },
  };
}

/** VmRSS and VmHWM (MB) of a process, from /proc; undefined once it is gone. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
    const memory = { rss: field('VmRSS') / 1024, hwm: field('VmHWM') / 1024 };
    // a process that exited and is not reaped yet (a zombie: the worker's start-up check of
    // tesseract, a killed extraction process) has no memory lines
    return Number.isFinite(memory.rss) && Number.isFinite(memory.hwm) ? memory : undefined;
  } catch {
    return undefined;
  }
}

/** The child process ids of `pid` (all its threads), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')),
  );
  return lists.flatMap((list) => list.split(' ').filter(Boolean).map(Number));
}

/** The api's own maximum event-loop delay since the previous scrape (prom-client resets it). */
async function eventLoopLagMaxMs(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (!line) throw new Error('nodejs_eventloop_lag_max_seconds is not in /metrics');
  return Number(line[1]) * 1000;
}

jest.setTimeout(600_000);

describe('hostile files through the built api and worker (issue 12 guard rail)', () => {
  let api: ApiProcess | undefined;
  let worker: WorkerProcess | undefined;

  beforeAll(() => {
    // build once (both are checked against the sources) before any timing starts
    ensureBuiltApi();
    ensureBuiltWorker();
  }, 600_000);

  afterAll(async () => {
    for (const proc of [api, worker]) {
      if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      }
    }
  });

  it('answers every upload in time, never blocks the api, ends every document permanently, keeps the worker small', async () => {
    const env = testEnv({
      LOG_LEVEL: 'warn',
      RATE_LIMIT: '10000/1m',
      RATE_LIMIT_AUTH: '1000/1m',
      RATE_LIMIT_UPLOAD: '1000/1m',
      INGESTION_CONCURRENCY: '2',
      EXTRACTION_MAX_RSS_MB: String(EXTRACTION_MAX_RSS_MB),
    });
    api = await spawnBuiltApi(env);
    worker = spawnBuiltWorker(env);
    const { baseUrl } = api;
    const workerPid = worker.child.pid!;
    // the api's event loop is what is measured, not the scheduler: the worker (and the extraction
    // processes it forks, which inherit this) yields the CPU to the api when both want it, as
    // it would on a machine of its own
    setPriority(workerPid, 10);

    const identity = newIdentity('hostile-files');
    const registered = await fetch(`${baseUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(identity),
    });
    expect(registered.status).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };

    const corpus = await hostileCorpus();

    // memory: the worker and every extraction process it starts, sampled every 100 ms
    const peaks = { worker: 0, children: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const own = await memoryOf(workerPid);
        if (own) peaks.worker = Math.max(peaks.worker, own.hwm);
        for (const pid of await childrenOf(workerPid)) {
          const child = await memoryOf(pid);
          if (child) peaks.children = Math.max(peaks.children, child.hwm);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await eventLoopLagMaxMs(baseUrl); // resets the api's maximum
    const probe = startProbe(`${baseUrl}/health/live`, api.child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const uploads: {
      file: HostileFile;
      ms: number;
      status: number;
      body: UploadBody;
      /** The api's longest event-loop delay while this upload was handled. */
      lagMs: number;
      startedAt: number;
    }[] = [];
    for (const file of corpus) {
      const form = new FormData();
      form.append('files', new Blob([file.content]), file.name);
      const started = performance.now();
      const startedAt = Date.now();
      const res = await fetch(`${baseUrl}/api/v1/documents`, {
        method: 'POST',
        headers: auth,
        body: form,
        // an api frozen by a hostile file (the old HTML sniffer) fails the test, not hangs it
        signal: AbortSignal.timeout(2 * UPLOAD_BOUND_MS),
      });
      const body = (await res.json()) as UploadBody;
      const ms = performance.now() - started;
      uploads.push({
        file,
        ms,
        startedAt,
        status: res.status,
        body,
        lagMs: await eventLoopLagMaxMs(baseUrl),
      });
    }

    // every accepted document ends completed or failed (permanently) on its first attempt
    const documents = new Map<string, { file: HostileFile; state?: DocumentState }>();
    for (const upload of uploads) {
      for (const accepted of upload.body.accepted ?? []) {
        documents.set(accepted.id, { file: upload.file });
      }
    }
    const deadline = Date.now() + 400_000;
    while (Date.now() < deadline) {
      let pending = 0;
      for (const [id, entry] of documents) {
        if (entry.state && ['completed', 'failed'].includes(entry.state.status)) continue;
        const res = await fetch(`${baseUrl}/api/v1/documents/${id}`, { headers: auth });
        entry.state = (await res.json()) as DocumentState;
        if (!['completed', 'failed'].includes(entry.state.status)) pending += 1;
      }
      if (pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const probed = await probe.stop();
    const ingestionLagMs = await eventLoopLagMaxMs(baseUrl);
    const lagMaxMs = Math.max(ingestionLagMs, ...uploads.map((u) => u.lagMs));
    sampling = false;
    await sampler;

    const report = {
      uploads: uploads.map((u) => ({
        name: u.file.name,
        bytes: u.file.content.length,
        ms: Math.round(u.ms),
        startedAt: u.startedAt,
        status: u.status,
        rejected: u.body.rejected?.map((r) => r.code),
        apiLagMs: Math.round(u.lagMs),
      })),
      documents: [...documents.values()].map(({ file, state }) => ({
        name: file.name,
        status: state?.status,
        code: state?.error?.code ?? null,
        attempts: state?.attempts,
      })),
      apiEventLoopLagMaxMs: Math.round(lagMaxMs),
      apiEventLoopLagWhileIngestingMs: Math.round(ingestionLagMs),
      probe: { ...probed, maxMs: Math.round(probed.maxMs) },
      peakRssMb: { worker: Math.round(peaks.worker), extraction: Math.round(peaks.children) },
    };
    console.log(`hostile files:\n${JSON.stringify(report, null, 1)}`);

    for (const upload of uploads) {
      const { expected } = upload.file;
      expect({ name: upload.file.name, fast: upload.ms < UPLOAD_BOUND_MS }).toEqual({
        name: upload.file.name,
        fast: true,
      });
      if (typeof expected === 'object' && 'rejected' in expected) {
        expect({
          name: upload.file.name,
          status: upload.status,
          code: upload.body.rejected?.[0]?.code,
        }).toEqual({
          name: upload.file.name,
          status: 422,
          code: expected.rejected,
        });
      } else {
        expect({ name: upload.file.name, status: upload.status }).toEqual({
          name: upload.file.name,
          status: 202,
        });
      }
    }
    for (const { file, state } of documents.values()) {
      const outcome = state?.status === 'failed' ? { failed: state.error?.code } : state?.status;
      expect({ name: file.name, outcome, attempts: state?.attempts }).toEqual({
        name: file.name,
        outcome: file.expected,
        attempts: 1,
      });
      if (state?.status === 'failed') expect(PERMANENT_CODES).toContain(state.error?.code);
    }
    expect(probed.failures).toBe(0);
    expect(probed.count).toBeGreaterThan(10);
    // blocked: CPU time the api's main thread spent between two answers of the probe
    expect(probed.maxBlockedMs).toBeLessThan(EVENT_LOOP_BOUND_MS);
    // as seen from outside (wall time, scheduling delays of a shared machine included)
    expect(probed.maxMs).toBeLessThan(PROBE_BOUND_MS);
    expect(lagMaxMs).toBeLessThan(PROBE_BOUND_MS);
    expect(peaks.worker).toBeLessThan(WORKER_RSS_BOUND_MB);
    expect(peaks.children).toBeLessThan(CHILD_RSS_BOUND_MB);
    expect(worker.child.exitCode).toBeNull();
  });
});

interface UploadBody {
  accepted?: { id: string }[];
  rejected?: { code: string }[];
}

interface DocumentState {
  status: string;
  attempts: number;
  error: { code: string } | null;
}
