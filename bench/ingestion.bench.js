// What ingestion costs in Docent, end to end: text files uploaded through the real api
// (POST /api/v1/documents, multipart, batches of UPLOAD_MAX_FILES) and processed by a real worker
// process (bull job → decrypt the stored file → extract in a worker thread → chunk → replace the
// document's chunks in one transaction, the GIN-indexed tsvector computed by PostgreSQL) until
// every document is `completed`. The baseline, in the same run and on the same database: the raw
// cost of putting the very same chunks into a scratch copy of `document_chunks` (same generated
// tsvector column, same GIN and unique indexes) with one COPY, and with the multi-row INSERTs of
// one transaction per document that the pipeline's SQL amounts to; and the same INSERTs into
// `document_chunks` itself (foreign key and the triggers migrations put there), without the ORM.
//
// Two workloads: SMALL_FILES small .txt files (2 to 6 KB of distinct English-like prose each) and
// one BIG_MB .txt file. Should the big file be refused by the extraction limits (the character
// limit, `limit_exceeded`), the refusal is recorded and the largest file under the limit is
// measured instead, in the same run.
//
// The bench builds its own environment and removes it afterwards: a database docent_bench_<id>
// (migrated with the built migrate entry, dropped at the end), a Redis key prefix
// docent-bench:<id>: (keys deleted at the end), a temporary STORAGE_DIR, and the BUILT api and
// worker started as child processes from a private copy of dist/ taken at the start (so another
// `npm run build` during the run cannot pull files from under them). Memory and CPU of the children come from
// /proc (VmHWM, utime+stime): Linux only. A probe requests the worker's /health/live every
// PROBE_MS: its slowest answer shows how long the worker's main event loop was blocked (what
// would delay bull's lock renewal).
//
//   npm run bench -- ingestion     BENCH_SMALL_FILES (200), BENCH_BIG_MB (20), BENCH_REPEATS (3)
//
// The results are written to bench/RESULTS.md (this benchmark's section is replaced).
const { Buffer } = require('node:buffer');
const { randomBytes } = require('node:crypto');
const { rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { URL } = require('node:url');
const { Client } = require('pg');
const {
  childPids,
  prosePdf,
  proseText,
  copyFrom,
  copyChunks,
  procStatus,
  resetPeak,
  cpuSeconds,
  backendCpu,
  uploadTexts,
} = require('./ingestion-support.js');
const {
  assertAlive,
  privateBuild,
  runNode,
  startChild,
  stopChild,
  waitReady,
} = require('./processes.js');
const {
  adminQuery,
  deleteKeys,
  freePort,
  sleep,
  writeFigures,
  writeResults,
} = require('./support.js');
const { readFileSync } = require('node:fs');

const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 200);
const SMALL_MIN_BYTES = 2048;
const SMALL_MAX_BYTES = 6144;
const WARMUP_FILES = 10;
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 20);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const PDF_PAGES = Number(process.env.BENCH_PDF_PAGES ?? 1000);
const POLL_MS = 50;
const STAGE_POLL_MS = 20;
const PROBE_MS = 100;
const PHASE_TIMEOUT_MS = 30 * 60_000;
const INSERT_ROWS = 1000;
const MB = 1_000_000;
const RESULTS_HEADING = '## ingestion: upload to completed documents vs PostgreSQL COPY';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fixed = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Samples memory and CPU of the children and probes the worker's event loop during a phase. */
class PhaseMonitor {
  constructor(children, workerLiveUrl) {
    this.children = children;
    this.workerLiveUrl = workerLiveUrl;
    this.sampledPeakKib = {};
    this.extraction = new Map();
    this.sampledTotalKib = 0;
  }

  start() {
    this.peakResetWorked = {};
    this.cpuBefore = {};
    this.sampledPeakKib = {};
    for (const [name, child] of Object.entries(this.children)) {
      this.peakResetWorked[name] = resetPeak(child.pid);
      this.cpuBefore[name] = cpuSeconds(child.pid);
      this.sampledPeakKib[name] = procStatus(child.pid).rssKib;
    }
    // the worker's extraction processes (forked per pool slot, reused): their memory is part of
    // what ingesting a document costs, so it is counted beside the worker's own
    this.extraction = new Map();
    this.sampledTotalKib = 0;
    this.sampleExtraction(true);
    this.probes = [];
    this.probing = true;
    this.probeLoop = (async () => {
      while (this.probing) {
        const started = performance.now();
        try {
          const response = await globalThis.fetch(this.workerLiveUrl);
          await response.arrayBuffer();
        } catch {
          // a failed probe is as slow as it took
        }
        this.probes.push(performance.now() - started);
        await sleep(PROBE_MS);
      }
    })();
    this.started = performance.now();
  }

  /** Samples the worker's children; at the start of a phase their peaks are reset. */
  sampleExtraction(reset = false) {
    const worker = this.children.worker;
    let totalKib = procStatus(worker.pid).rssKib;
    for (const pid of childPids(worker.pid)) {
      let entry = this.extraction.get(pid);
      if (!entry) {
        // a process alive at the start has its peak reset; one started later peaks within the phase
        entry = { sampledKib: 0, hwmKib: 0, reset: reset ? resetPeak(pid) : true, cpuFrom: 0 };
        try {
          entry.cpuFrom = reset ? cpuSeconds(pid) : 0;
        } catch {
          // ended meanwhile
        }
        this.extraction.set(pid, entry);
      }
      try {
        const { rssKib, hwmKib } = procStatus(pid);
        entry.sampledKib = Math.max(entry.sampledKib, rssKib);
        if (entry.reset) entry.hwmKib = hwmKib;
        entry.cpu = cpuSeconds(pid) - entry.cpuFrom;
        totalKib += rssKib;
      } catch {
        // ended meanwhile: what was sampled stays
      }
    }
    this.sampledTotalKib = Math.max(this.sampledTotalKib, totalKib);
  }

  sample() {
    for (const [name, child] of Object.entries(this.children)) {
      assertAlive(child);
      const { rssKib } = procStatus(child.pid);
      if (rssKib > (this.sampledPeakKib[name] ?? 0)) this.sampledPeakKib[name] = rssKib;
    }
    this.sampleExtraction();
  }

  async stop() {
    this.sample();
    this.probing = false;
    await this.probeLoop;
    const result = { seconds: (performance.now() - this.started) / 1000 };
    for (const [name, child] of Object.entries(this.children)) {
      const { hwmKib } = procStatus(child.pid);
      // without a peak reset VmHWM covers the process's whole life: the sampled peak is used
      const peakKib = this.peakResetWorked[name]
        ? Math.max(hwmKib, this.sampledPeakKib[name])
        : this.sampledPeakKib[name];
      result[name] = {
        peakRssMb: (peakKib * 1024) / MB,
        peakFromKernel: this.peakResetWorked[name],
        cpuSeconds: cpuSeconds(child.pid) - this.cpuBefore[name],
      };
    }
    // each extraction process's peak (VmHWM when it could be read, else the sampled peak); their
    // sum plus the worker's peak bounds the worker's total from above (the peaks need not
    // coincide); the highest sampled simultaneous total bounds it from below
    const peaks = [...this.extraction.values()].map(
      (entry) => (Math.max(entry.hwmKib, entry.sampledKib) * 1024) / MB,
    );
    result.extraction = {
      processes: peaks.length,
      peakRssMb: peaks.length ? Math.max(...peaks) : 0,
      sumPeakRssMb: peaks.reduce((sum, peak) => sum + peak, 0),
      cpuSeconds: [...this.extraction.values()].reduce((sum, entry) => sum + (entry.cpu ?? 0), 0),
    };
    result.workerTotal = {
      upperMb: result.worker.peakRssMb + result.extraction.sumPeakRssMb,
      sampledMb: (this.sampledTotalKib * 1024) / MB,
    };
    const sorted = [...this.probes].sort((a, b) => a - b);
    result.probe = {
      count: sorted.length,
      maxMs: sorted.at(-1) ?? NaN,
      p99Ms: sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? NaN,
    };
    return result;
  }
}

class Bench {
  constructor({ apiUrl, token, db, monitor, uploadMaxFiles, workerPid }) {
    Object.assign(this, { apiUrl, token, db, monitor, uploadMaxFiles, workerPid });
  }

  /** A CPU reading of the worker and of the database's backends. */
  async cpuMark() {
    return { worker: cpuSeconds(this.workerPid), backends: await backendCpu(this.db) };
  }

  upload(files) {
    return uploadTexts(this.apiUrl, this.token, files);
  }

  /** Waits until every document is completed or failed; samples the monitor meanwhile. */
  async waitDone(ids, monitor) {
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    for (;;) {
      monitor?.sample();
      const { rows } = await this.db.query(
        `select status, count(*)::int as n from documents where id = any($1::uuid[]) group by status`,
        [ids],
      );
      const counts = Object.fromEntries(rows.map((row) => [row.status, row.n]));
      if ((counts.completed ?? 0) + (counts.failed ?? 0) === ids.length) {
        return { at: performance.now(), counts };
      }
      if (Date.now() > deadline) {
        throw new Error(
          `documents not done after ${PHASE_TIMEOUT_MS} ms: ${JSON.stringify(counts)}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  async failures(ids) {
    const { rows } = await this.db.query(
      `select error_code, count(*)::int as n from documents
        where id = any($1::uuid[]) and status = 'failed' group by error_code`,
      [ids],
    );
    return rows;
  }

  /** Small files in batches of UPLOAD_MAX_FILES, uploaded one batch after the other. */
  async smallFiles(count, seedBase, label) {
    const files = Array.from({ length: count }, (_, i) => {
      const seed = seedBase + i;
      const bytes =
        SMALL_MIN_BYTES + (((seed * 2654435761) >>> 0) % (SMALL_MAX_BYTES - SMALL_MIN_BYTES));
      const name = `${label}-${String(i + 1).padStart(4, '0')}.txt`;
      return { name, content: proseText(bytes, seed, `${label} document ${i + 1} (${seed})`) };
    });
    const totalBytes = files.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
    const started = performance.now();
    const ids = [];
    for (let start = 0; start < files.length; start += this.uploadMaxFiles) {
      ids.push(...(await this.upload(files.slice(start, start + this.uploadMaxFiles))));
      this.monitor?.sample();
    }
    const uploaded = performance.now();
    const done = await this.waitDone(ids, this.monitor);
    return { ids, totalBytes, started, uploaded, done, files: files.length };
  }

  /** One big file; the document's stage is polled to time each step of the pipeline. */
  bigFile(bytes, seed, label) {
    const content = proseText(bytes, seed, `${label} (${seed})`);
    return this.oneFile({ name: `${label}.txt`, content }, label);
  }

  /** One generated PDF of `pages` pages, timed like the big text file. */
  pdfFile(pages, seed, label) {
    const content = prosePdf(pages, seed);
    return this.oneFile({ name: `${label}.pdf`, content, type: 'application/pdf' }, label);
  }

  /** Uploads one file and polls its stage until it is done. */
  async oneFile(file, label) {
    const totalBytes = Buffer.byteLength(file.content);
    const seen = [];
    const startMark = await this.cpuMark();
    const started = performance.now();
    const [id] = await this.upload([file]);
    const uploaded = performance.now();
    const uploadedMark = await this.cpuMark();
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    let last = '';
    for (;;) {
      this.monitor?.sample();
      const { rows } = await this.db.query(
        `select status, stage, progress, error_code, chunk_count, page_count from documents
          where id = $1`,
        [id],
      );
      const row = rows[0];
      const state = `${row.status}/${row.stage}`;
      if (state !== last) {
        seen.push({ state, at: performance.now(), cpu: await this.cpuMark() });
        last = state;
      }
      if (row.status === 'completed' || row.status === 'failed') {
        return {
          ids: [id],
          totalBytes,
          started,
          uploaded,
          startMark,
          uploadedMark,
          done: { at: performance.now(), counts: { [row.status]: 1 } },
          status: row.status,
          errorCode: row.error_code,
          chunkCount: row.chunk_count,
          pageCount: row.page_count,
          seen,
          files: 1,
        };
      }
      if (Date.now() > deadline) throw new Error(`${label} not done after ${PHASE_TIMEOUT_MS} ms`);
      await sleep(STAGE_POLL_MS);
    }
  }

  async chunkStats(ids) {
    const { rows } = await this.db.query(
      `select count(*)::int as chunks, coalesce(sum(octet_length(content)), 0)::bigint as bytes
         from document_chunks where document_id = any($1::uuid[])`,
      [ids],
    );
    return { chunks: rows[0].chunks, chunkBytes: Number(rows[0].bytes) };
  }

  async latencies(ids) {
    const { rows } = await this.db.query(
      `select percentile_cont(0.5) within group (order by s) as p50,
              percentile_cont(0.99) within group (order by s) as p99, max(s) as max
         from (select extract(epoch from completed_at - created_at)::float8 as s
                 from documents where id = any($1::uuid[]) and status = 'completed') t`,
      [ids],
    );
    return rows[0];
  }

  /**
   * The baseline: the same chunks (read back from document_chunks) into bench_chunks, a scratch
   * table created `like document_chunks including all` (generated tsvector, GIN, unique index),
   * emptied before each repetition. Median of REPEATS.
   */
  async baseline(ids) {
    const { rows } = await this.db.query(
      `select id, document_id, chunk_index, page, content, created_at from document_chunks
        where document_id = any($1::uuid[]) order by document_id, chunk_index`,
      [ids],
    );
    const columns = ['id', 'document_id', 'chunk_index', 'page', 'content', 'created_at'];
    const values = rows.map((row) => columns.map((column) => row[column]));
    const copyData = copyChunks(values);
    const byDocument = new Map();
    for (const row of values) {
      if (!byDocument.has(row[1])) byDocument.set(row[1], []);
      byDocument.get(row[1]).push(row);
    }
    const insertDocument = async (table, documentId, documentRows) => {
      for (let start = 0; start < documentRows.length; start += INSERT_ROWS) {
        const slice = documentRows.slice(start, start + INSERT_ROWS);
        const placeholders = slice.map(
          (_, i) => `(${columns.map((__, c) => `$${i * columns.length + c + 1}`).join(', ')})`,
        );
        await this.db.query(
          `insert into ${table} (${columns.join(', ')}) values ${placeholders.join(', ')}`,
          slice.flat(),
        );
      }
    };
    const copy = [];
    const insert = [];
    const real = [];
    const copyCpu = [];
    const insertCpu = [];
    const realCpu = [];
    const {
      rows: [{ pid: ownPid }],
    } = await this.db.query('select pg_backend_pid() as pid');
    for (let rep = 0; rep < REPEATS; rep += 1) {
      await this.db.query('truncate bench_chunks');
      let cpuBefore = cpuSeconds(ownPid);
      let started = performance.now();
      await this.db.query('begin');
      const copied = await copyFrom(
        this.db,
        `copy bench_chunks (${columns.join(', ')}) from stdin`,
        copyData,
      );
      await this.db.query('commit');
      copy.push(performance.now() - started);
      copyCpu.push(cpuSeconds(ownPid) - cpuBefore);
      if (copied !== rows.length) throw new Error(`COPY wrote ${copied} of ${rows.length} rows`);

      await this.db.query('truncate bench_chunks');
      cpuBefore = cpuSeconds(ownPid);
      started = performance.now();
      for (const [documentId, documentRows] of byDocument) {
        await this.db.query('begin');
        await this.db.query('delete from bench_chunks where document_id = $1', [documentId]);
        await insertDocument('bench_chunks', documentId, documentRows);
        await this.db.query('commit');
      }
      insert.push(performance.now() - started);
      insertCpu.push(cpuSeconds(ownPid) - cpuBefore);

      // the same INSERTs into document_chunks itself (foreign key, and whatever triggers the
      // migrations put on the table), the documents' chunks deleted first, untimed; the last
      // repetition leaves the very same rows in place
      await this.db.query('delete from document_chunks where document_id = any($1::uuid[])', [ids]);
      cpuBefore = cpuSeconds(ownPid);
      started = performance.now();
      for (const [documentId, documentRows] of byDocument) {
        await this.db.query('begin');
        await this.db.query('delete from document_chunks where document_id = $1', [documentId]);
        await insertDocument('document_chunks', documentId, documentRows);
        await this.db.query('commit');
      }
      real.push(performance.now() - started);
      realCpu.push(cpuSeconds(ownPid) - cpuBefore);
    }
    await this.db.query('truncate bench_chunks');
    const { rows: triggers } = await this.db.query(
      `select tgname from pg_trigger where tgrelid = 'document_chunks'::regclass and not tgisinternal
        order by tgname`,
    );
    return {
      triggers: triggers.map((trigger) => trigger.tgname),
      realSeconds: median(real) / 1000,
      realCpuSeconds: median(realCpu),
      copyCpuSeconds: median(copyCpu),
      insertCpuSeconds: median(insertCpu),
      copySeconds: median(copy) / 1000,
      insertSeconds: median(insert) / 1000,
      rows: rows.length,
    };
  }
}

/**
 * Where a small document's time goes in the worker: the same extraction of one small .txt file
 * through extractInChild (what the pipeline does per job: a pooled child process, warm after the
 * first job; request and result messages) and in-process. Median of REPEATS + 2, wall and CPU
 * time (this process only: the child's CPU is not counted), measured after the apps are stopped.
 */
async function extractionThreadCost(app) {
  const dist = (file) => path.join(app, 'dist/apps/worker/libs', file);
  const { extractInChild, closeExtractionChildren } = require(
    dist('documents/src/worker/extract-in-child.js'),
  );
  const { extractText } = require(dist('documents/src/ingestion/extract.js'));
  const content = Buffer.from(proseText(4096, 4_000, 'thread probe'), 'utf8');
  const measureOne = async (work) => {
    const wall = [];
    const cpu = [];
    for (let i = 0; i < REPEATS + 2; i += 1) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      await work();
      const used = process.cpuUsage(cpuBefore);
      wall.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1000);
    }
    return { wallMs: median(wall), cpuMs: median(cpu) };
  };
  const thread = await measureOne(() => extractInChild(content, 'txt'));
  await closeExtractionChildren();
  return { thread, inProcess: await measureOne(() => extractText(content, 'txt')) };
}

const backendDelta = (from, to) => {
  let total = 0;
  for (const [pid, seconds] of to.backends) total += seconds - (from.backends.get(pid) ?? 0);
  return total;
};

/**
 * Per-document cost of each pipeline step (read, extract, chunk, index: the milliseconds the
 * worker logs when it completes a document), median over the documents of `ids`; `other` is the
 * rest of upload → completed (queue wait and pick-up, status writes, events).
 */
function stepMedians(logFile, ids, latencyMedianS) {
  const wanted = new Set(ids);
  const steps = { read: [], extract: [], chunk: [], index: [] };
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const match = /document=([0-9a-f-]{36}) v\d+ completed: .*\(ms: ([^)]*)\)/.exec(line);
    if (!match || !wanted.has(match[1])) continue;
    for (const part of match[2].split(', ')) {
      const [step, ms] = part.split(' ');
      steps[step]?.push(Number(ms));
    }
  }
  const result = { documents: steps.index.length };
  for (const [step, values] of Object.entries(steps))
    result[step] = values.length ? median(values) : NaN;
  result.other =
    latencyMedianS * 1000 - (result.read + result.extract + result.chunk + result.index);
  return result;
}

/** Seconds, worker CPU and database CPU in each state of the big file, from the polled transitions. */
function stageTimeline(result) {
  const marks = [
    {
      state: 'upload (request until 202)',
      from: result.started,
      to: result.uploaded,
      cpuFrom: result.startMark,
      cpuTo: result.uploadedMark,
    },
  ];
  const seen = result.seen;
  for (let i = 0; i < seen.length; i += 1) {
    const next = seen[i + 1];
    if (!next) break;
    const [from, cpuFrom] =
      i === 0 ? [result.uploaded, result.uploadedMark] : [seen[i].at, seen[i].cpu];
    marks.push({ state: seen[i].state, from, to: next.at, cpuFrom, cpuTo: next.cpu });
  }
  return marks.map((mark) => ({
    state: mark.state,
    seconds: (mark.to - mark.from) / 1000,
    workerCpu: mark.cpuTo.worker - mark.cpuFrom.worker,
    databaseCpu: backendDelta(mark.cpuFrom, mark.cpuTo),
  }));
}

/** BENCH_WORKER_ENV (`NAME=value NAME=value`) as an object. */
function workerExtraEnv() {
  const entries = (process.env.BENCH_WORKER_ENV ?? '')
    .split(/\s+(?=[A-Za-z_][A-Za-z0-9_]*=)/)
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

/** Replaces this benchmark's section of RESULTS.md (in place), keeping the others; prettier-formatted. */
async function run() {
  const { tmp, app, apiEntry, workerEntry, migrateEntry } = privateBuild('ingestion');
  const { loadConfig, DEFAULTS } = require(
    path.join(app, 'dist/apps/api/libs/config/src/index.js'),
  );
  const { DEFAULT_EXTRACTION_LIMITS } = require(
    path.join(app, 'dist/apps/worker/libs/documents/src/ingestion/types.js'),
  );

  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const serverUrl = process.env.DATABASE_URL ?? DEFAULTS.DATABASE_URL;
  const databaseName = `docent_bench_${id}`;
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const [apiPort, workerPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    WORKER_HTTP_PORT: String(workerPort),
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_KEY_PREFIX: `docent-bench:${id}:`,
    STORAGE_DIR: path.join(tmp, 'storage'),
    // the throttlers stay on (their Redis round trips are part of the cost) with limits the
    // bench never reaches
    RATE_LIMIT: '1000000/1s',
    RATE_LIMIT_UPLOAD: '1000000/1s',
    // one token for the whole run, however slow the machine
    JWT_ACCESS_TTL: '6h',
  };
  const config = loadConfig(env);
  const { uploadMaxFiles, ingestionConcurrency, uploadMaxBytes } = config.documents;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const workerUrl = `http://127.0.0.1:${workerPort}`;

  let databaseCreated = false;
  let api;
  let worker;
  let db;
  let threadCost;
  const results = {};
  const loadBefore = os.loadavg()[0];
  try {
    await adminQuery(serverUrl, `create database "${databaseName}"`);
    databaseCreated = true;
    await runNode(migrateEntry, ['up'], env, app);

    api = startChild('api', apiEntry, env, path.join(tmp, 'api.log'), app);
    // BENCH_WORKER_ENV: extra environment for the worker only (memory experiments, e.g.
    // `MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=4`), stated in the results
    const workerEnv = { ...env, ...workerExtraEnv() };
    worker = startChild('worker', workerEntry, workerEnv, path.join(tmp, 'worker.log'), app);
    await waitReady(api, `${apiUrl}/health/ready`);
    await waitReady(worker, `${workerUrl}/health/ready`);

    const email = `bench-${id}@example.com`;
    const register = await globalThis.fetch(`${apiUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email,
        password: `bench passphrase ${randomBytes(12).toString('hex')}`,
        displayName: 'Bench User',
      }),
    });
    const tokens = await register.json();
    if (register.status !== 201) {
      throw new Error(`register answered ${register.status}: ${JSON.stringify(tokens)}`);
    }

    db = new Client({ connectionString: databaseUrl.toString() });
    await db.connect();
    await db.query('create table bench_chunks (like document_chunks including all)');

    const monitor = new PhaseMonitor({ worker, api }, `${workerUrl}/health/live`);
    const bench = new Bench({
      apiUrl,
      token: tokens.accessToken,
      db,
      monitor,
      uploadMaxFiles,
      workerPid: worker.pid,
    });

    // warm-up: connections, JIT, the extraction thread's first start
    const warm = await bench.smallFiles(WARMUP_FILES, 900_000, 'warmup');
    if (warm.done.counts.completed !== WARMUP_FILES) {
      throw new Error(`warm-up: ${JSON.stringify(await bench.failures(warm.ids))}`);
    }

    const measure = async (key, work) => {
      const cpuBefore = await bench.cpuMark();
      monitor.start();
      const result = await work();
      result.phase = await monitor.stop();
      result.databaseCpuSeconds = backendDelta(cpuBefore, await bench.cpuMark());
      Object.assign(result, await bench.chunkStats(result.ids));
      result.latency = await bench.latencies(result.ids);
      result.failuresByCode = await bench.failures(result.ids);
      result.endToEndSeconds = (result.done.at - result.started) / 1000;
      result.uploadSeconds = (result.uploaded - result.started) / 1000;
      if (result.chunks > 0) result.baseline = await bench.baseline(result.ids);
      results[key] = result;
      console.log(
        `${key}: ${result.files} files, ${fixed(result.totalBytes / MB)} MB in ` +
          `${fixed(result.endToEndSeconds)} s, ${JSON.stringify(result.done.counts)}, ` +
          `${result.chunks} chunks` +
          (result.baseline
            ? `; COPY ${fixed(result.baseline.copySeconds, 3)} s, INSERT ${fixed(result.baseline.insertSeconds, 3)} s`
            : ''),
      );
      return result;
    };

    const small = await measure('small', () => bench.smallFiles(SMALL_FILES, 1_000, 'small'));
    if (small.done.counts.completed !== SMALL_FILES) {
      throw new Error(`small files failed: ${JSON.stringify(small.failuresByCode)}`);
    }
    const bigBytes = Math.round(BIG_MB * MB);
    const big = await measure('big', () => bench.bigFile(bigBytes, 2_000, `big-${BIG_MB}MB`));
    if (big.status !== 'completed') {
      // refused by the extraction limits: measure the largest file the limits accept
      if (big.errorCode !== 'limit_exceeded') {
        throw new Error(`the ${BIG_MB} MB file failed with ${big.errorCode}`);
      }
      const fitting = Math.floor(DEFAULT_EXTRACTION_LIMITS.maxChars * 0.95);
      const fallback = await measure('bigFallback', () =>
        bench.bigFile(fitting, 3_000, `big-${fixed(fitting / MB)}MB`),
      );
      if (fallback.status !== 'completed') {
        throw new Error(`the ${fixed(fitting / MB)} MB file failed with ${fallback.errorCode}`);
      }
    }
    const pdf = await measure('pdf', () =>
      bench.pdfFile(PDF_PAGES, 4_000, `generated-${PDF_PAGES}-pages`),
    );
    if (pdf.status !== 'completed') {
      throw new Error(`the ${PDF_PAGES}-page PDF failed with ${pdf.errorCode}`);
    }
    small.steps = stepMedians(worker.logFile, small.ids, Number(small.latency.p50));
    await stopChild(worker);
    await stopChild(api);
    threadCost = await extractionThreadCost(app);
  } finally {
    if (db) await db.end().catch(() => {});
    await stopChild(worker);
    await stopChild(api);
    await deleteKeys(config.redis.url, config.redis.keyPrefix).catch((error) =>
      console.error(`could not delete the bench's Redis keys: ${error}`),
    );
    if (databaseCreated) {
      await adminQuery(serverUrl, `drop database if exists "${databaseName}" with (force)`);
    }
    rmSync(tmp, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg()[0];
  return report(results, threadCost, {
    uploadMaxFiles,
    uploadMaxBytes,
    ingestionConcurrency,
    maxChars: DEFAULT_EXTRACTION_LIMITS.maxChars,
    loadBefore,
    loadAfter,
  });
}

async function report(results, threadCost, context) {
  const machine = `${os.availableParallelism()} cores (nproc), ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
  const postgres = await (async () => {
    try {
      const client = new Client({
        connectionString:
          process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
      });
      await client.connect();
      const { rows } = await client.query('show server_version');
      await client.end();
      return `PostgreSQL ${rows[0].server_version}`;
    } catch {
      return 'PostgreSQL';
    }
  })();
  const labels = {
    small: `${results.small.files} small .txt files (${SMALL_MIN_BYTES / 1024}–${SMALL_MAX_BYTES / 1024} KB), batches of ${context.uploadMaxFiles}`,
    big: `one ${fixed(results.big.totalBytes / MB, 1)} MB .txt file`,
    bigFallback: results.bigFallback
      ? `one ${fixed(results.bigFallback.totalBytes / MB, 2)} MB .txt file (largest under the limit)`
      : '',
    pdf: `one generated ${results.pdf.pageCount ?? PDF_PAGES}-page PDF (${fixed(results.pdf.totalBytes / MB, 1)} MB)`,
  };
  const rows = {};
  const throughputLines = [
    '| workload | what | chunks | seconds | docs/s | MB/s | × COPY time | CPU s | × COPY CPU |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const key of ['small', 'big', 'bigFallback', 'pdf']) {
    const r = results[key];
    if (!r) continue;
    const mb = r.totalBytes / MB;
    const failed = r.status === 'failed';
    const cpu = r.phase.worker.cpuSeconds + r.phase.api.cpuSeconds + r.databaseCpuSeconds;
    const what = failed
      ? `Docent: upload → **failed \`${r.errorCode}\`**`
      : 'Docent: upload → all completed';
    throughputLines.push(
      `| ${labels[key]} | ${what} | ${r.chunks} | ${fixed(r.endToEndSeconds)} | ${fixed(r.files / r.endToEndSeconds)} | ${fixed(mb / r.endToEndSeconds, 3)} | ${r.baseline ? `**${fixed(r.endToEndSeconds / r.baseline.copySeconds, 1)}×**` : '—'} | ${fixed(cpu)} | ${r.baseline ? `**${fixed(cpu / r.baseline.copyCpuSeconds, 1)}×**` : '—'} |`,
    );
    rows[`${key}: docent`] = {
      files: r.files,
      MB: Number(fixed(mb)),
      chunks: r.chunks,
      seconds: Number(fixed(r.endToEndSeconds, 3)),
      'docs/s': Number(fixed(r.files / r.endToEndSeconds)),
      'MB/s': Number(fixed(mb / r.endToEndSeconds)),
      'CPU s': Number(fixed(cpu)),
      outcome: failed ? `failed ${r.errorCode}` : 'completed',
    };
    if (r.baseline) {
      const b = r.baseline;
      throughputLines.push(
        `| ${labels[key]} | PostgreSQL: COPY of the same chunks, one statement | ${b.rows} | ${fixed(b.copySeconds, 3)} | ${fixed(r.files / b.copySeconds)} | ${fixed(mb / b.copySeconds)} | 1.0× | ${fixed(b.copyCpuSeconds)} | 1.0× |`,
        `| ${labels[key]} | PostgreSQL: INSERT of the same chunks, ${INSERT_ROWS}-row statements, one transaction per document | ${b.rows} | ${fixed(b.insertSeconds, 3)} | ${fixed(r.files / b.insertSeconds)} | ${fixed(mb / b.insertSeconds)} | ${fixed(b.insertSeconds / b.copySeconds, 1)}× | ${fixed(b.insertCpuSeconds)} | ${fixed(b.insertCpuSeconds / b.copyCpuSeconds, 1)}× |`,
        `| ${labels[key]} | PostgreSQL: the same INSERTs into \`document_chunks\` itself (foreign key${b.triggers.length ? `, triggers ${b.triggers.map((t) => `\`${t}\``).join(', ')}` : ''}) | ${b.rows} | ${fixed(b.realSeconds, 3)} | ${fixed(r.files / b.realSeconds)} | ${fixed(mb / b.realSeconds)} | ${fixed(b.realSeconds / b.copySeconds, 1)}× | ${fixed(b.realCpuSeconds)} | ${fixed(b.realCpuSeconds / b.copyCpuSeconds, 1)}× |`,
      );
      rows[`${key}: COPY`] = {
        files: r.files,
        chunks: b.rows,
        seconds: Number(fixed(b.copySeconds, 3)),
        'docs/s': Number(fixed(r.files / b.copySeconds)),
        'MB/s': Number(fixed(mb / b.copySeconds)),
        'CPU s': Number(fixed(b.copyCpuSeconds)),
      };
      rows[`${key}: INSERT`] = {
        files: r.files,
        chunks: b.rows,
        seconds: Number(fixed(b.insertSeconds, 3)),
        'docs/s': Number(fixed(r.files / b.insertSeconds)),
        'MB/s': Number(fixed(mb / b.insertSeconds)),
        'CPU s': Number(fixed(b.insertCpuSeconds)),
      };
      rows[`${key}: INSERT document_chunks`] = {
        chunks: b.rows,
        seconds: Number(fixed(b.realSeconds, 3)),
        'CPU s': Number(fixed(b.realCpuSeconds)),
      };
    }
  }

  const resourceLines = [
    '| workload | worker peak RSS MB | extraction processes: peak RSS MB (how many) | worker + extraction processes MB: sampled peak / upper bound | api peak RSS MB | worker CPU s (per document) | extraction processes CPU s | api CPU s | PostgreSQL CPU s | upload requests s | per document: upload → completed, median / p99 / max s | worker /health/live max ms (p99) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const key of ['small', 'big', 'bigFallback', 'pdf']) {
    const r = results[key];
    if (!r) continue;
    const { worker, api, probe, extraction, workerTotal } = r.phase;
    const l = r.latency;
    resourceLines.push(
      `| ${labels[key]} | ${fixed(worker.peakRssMb, 0)} | ${fixed(extraction.peakRssMb, 0)} (${extraction.processes}) | ${fixed(workerTotal.sampledMb, 0)} / ${fixed(workerTotal.upperMb, 0)} | ${fixed(api.peakRssMb, 0)} | ${fixed(worker.cpuSeconds)} (${fixed(worker.cpuSeconds / r.files)}) | ${fixed(extraction.cpuSeconds)} | ${fixed(api.cpuSeconds)} | ${fixed(r.databaseCpuSeconds)} | ${fixed(r.uploadSeconds)} | ${r.files === 1 ? (r.status === 'completed' ? `${fixed(r.endToEndSeconds)} (polled)` : '—') : `${fixed(l.p50)} / ${fixed(l.p99)} / ${fixed(l.max)}`} | ${fixed(probe.maxMs, 0)} (${fixed(probe.p99Ms, 0)}) |`,
    );
  }

  const threadLines = [
    '',
    `Extraction of one 4 KB .txt file, measured in the bench process after the run (median of ${REPEATS + 2}): what each ingestion job pays for handing extraction to a pooled worker thread (before threads were reused, a fresh thread per job cost 1287 ms CPU here and ingestion ran at 0.39 small docs/s).`,
    '',
    '| extraction | wall ms | CPU ms |',
    '|---|---:|---:|',
    `| extractInChild (pooled child process, as the pipeline does) | ${fixed(threadCost.thread.wallMs, 0)} | ${fixed(threadCost.thread.cpuMs, 0)} |`,
    `| extractText in-process | ${fixed(threadCost.inProcess.wallMs, 1)} | ${fixed(threadCost.inProcess.cpuMs, 1)} |`,
  ];

  const stepLines = [];
  const steps = results.small.steps;
  if (steps) {
    stepLines.push(
      '',
      `Per small document (median of ${steps.documents} documents): the steps the worker logs, and the rest of upload → completed (queue wait and pick-up, status writes, events; with ${context.ingestionConcurrency} jobs at a time, documents also wait for each other):`,
      '',
      '| read ms | extract + child round trip ms | chunk ms | index (transaction) ms | other ms | upload → completed ms |',
      '|---:|---:|---:|---:|---:|---:|',
      `| ${fixed(steps.read, 1)} | ${fixed(steps.extract, 1)} | ${fixed(steps.chunk, 1)} | ${fixed(steps.index, 1)} | ${fixed(steps.other, 0)} | ${fixed(Number(results.small.latency.p50) * 1000, 0)} |`,
    );
  }
  const stageLines = [];
  for (const key of ['big', 'bigFallback', 'pdf']) {
    const r = results[key];
    if (!r) continue;
    stageLines.push(
      '',
      `Steps of ${labels[key]} (document state polled every ${STAGE_POLL_MS} ms):`,
      '',
    );
    stageLines.push(
      '| step (status/stage) | seconds | worker CPU s | PostgreSQL CPU s |',
      '|---|---:|---:|---:|',
    );
    for (const step of stageTimeline(r)) {
      stageLines.push(
        `| ${step.state} | ${fixed(step.seconds)} | ${fixed(step.workerCpu)} | ${fixed(step.databaseCpu)} |`,
      );
    }
    if (r.baseline) {
      const b = r.baseline;
      stageLines.push(
        `| (baseline) COPY of its ${b.rows} chunks | ${fixed(b.copySeconds)} | — | ${fixed(b.copyCpuSeconds)} |`,
        `| (baseline) INSERT of its ${b.rows} chunks | ${fixed(b.insertSeconds)} | — | ${fixed(b.insertCpuSeconds)} |`,
        `| (baseline) INSERT of its ${b.rows} chunks into \`document_chunks\` | ${fixed(b.realSeconds)} | — | ${fixed(b.realCpuSeconds)} |`,
      );
    }
  }

  const peakNote = Object.values(results).every(
    (r) => r.phase.worker.peakFromKernel && r.phase.api.peakFromKernel,
  )
    ? "peak RSS is the kernel's VmHWM (threads included), reset at the start of each workload through /proc/<pid>/clear_refs"
    : `peak RSS is the highest VmRSS sampled every ${POLL_MS} ms (the kernel refused the VmHWM reset)`;
  const big = results.big;
  const limitNote =
    big.status === 'failed'
      ? `- **The ${fixed(big.totalBytes / MB, 1)} MB file is refused**: the worker fails it with \`${big.errorCode}\` after ${fixed(big.endToEndSeconds)} s, because the extraction limit \`maxChars\` is ${context.maxChars.toLocaleString('en')} characters (DEFAULT_EXTRACTION_LIMITS, not configurable) while uploads may be ${fixed(context.uploadMaxBytes / 2 ** 20, 0)} MiB (UPLOAD_MAX_BYTES); the upload is accepted (202) and fails in the worker. The big-file throughput is therefore measured on the largest file under that limit.`
      : '';

  await writeResults(
    RESULTS_HEADING,
    [
      RESULTS_HEADING,
      '',
      `Text files uploaded through the built api (POST /api/v1/documents, multipart) and ingested`,
      `by the built worker (a separate process, INGESTION_CONCURRENCY=${context.ingestionConcurrency}) until every document is`,
      `\`completed\`, against the raw cost of putting the same chunks (read back from`,
      `\`document_chunks\`) into a scratch \`like document_chunks including all\` table (same generated`,
      `tsvector column and GIN index), with COPY and with plain multi-row INSERTs (a delete and`,
      `1000-row VALUES lists in one transaction per document), and of those INSERTs on \`document_chunks\``,
      `itself (its foreign key and triggers included). The worker streams each document's chunks out`,
      `of its extraction process in batches of 500 and writes them as 500-row \`unnest()\` INSERTs with`,
      `bind parameters, in the one transaction per document. Also one generated ${PDF_PAGES}-page PDF`,
      `(seeded prose, written by the bench, pdf.js extraction). \`npm run build && npm run bench -- ingestion\``,
      `(bench/ingestion.bench.js).`,
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine}, ${postgres}; the bench, api, worker, PostgreSQL and Redis share the cores`,
      `- fresh database, Redis prefix and storage directory per run; ${WARMUP_FILES} warm-up files first; uploads sent one request after the other; completion polled in the database every ${POLL_MS} ms; baselines are the median of ${REPEATS} runs into the emptied scratch table`,
      `- CPU s of a Docent row is worker + api + the PostgreSQL backends serving them; of a baseline row, the PostgreSQL backend running the COPY or INSERT. CPU time does not depend on how much of the machine other processes take, wall time does: with a high load average, compare the CPU columns`,
      `- worker peak RSS is the worker process alone; its extraction processes (forked, sandboxed, reused; they parse and chunk the file) are counted beside it: each one's peak (VmHWM, reset at the start of the workload, or sampled), and the worker + extraction processes total as the highest simultaneous sum sampled (every ${POLL_MS} ms, ${STAGE_POLL_MS} ms for single files) and as an upper bound (worker peak + the sum of their peaks, which need not coincide)`,
      `- ${peakNote}; CPU s is utime+stime over the workload, of the process (threads included) or, for PostgreSQL, of the backends serving the bench database (the api's and the worker's connections; not the bench's own)`,
      `- per-document latency of the small files is \`completed_at − created_at\` from the database; \`completed_at\` is \`now()\` of the indexing transaction, i.e. its start, a little before the commit that makes the document \`completed\``,
      `- 1-minute load average ${context.loadBefore.toFixed(2)} before, ${context.loadAfter.toFixed(2)} after`,
      `- the api and the worker run with the Node.js options of \`npm run start:api\` and \`npm run start:worker\` (the worker: \`--max-semi-space-size=8\`, as in docker-compose.yml and the Kubernetes manifests)`,
      ...(process.env.BENCH_WORKER_ENV
        ? [`- the worker ran with \`${process.env.BENCH_WORKER_ENV}\` (BENCH_WORKER_ENV)`]
        : []),
      ...(limitNote ? [limitNote] : []),
      '',
      ...throughputLines,
      '',
      ...resourceLines,
      ...stepLines,
      ...stageLines,
      ...threadLines,
      '',
    ].join('\n'),
  );

  const small = results.small;
  const headline = results.bigFallback ?? big;
  const pdf = results.pdf;
  writeFigures('ingestion', {
    'small docs/s': small.files / small.endToEndSeconds,
    'small × COPY time': small.endToEndSeconds / small.baseline.copySeconds,
    'small worker CPU ms per document': (small.phase.worker.cpuSeconds / small.files) * 1000,
    'small upload→completed median s': Number(small.latency.p50),
    'big MB': headline.totalBytes / MB,
    'big MB/s': headline.totalBytes / MB / headline.endToEndSeconds,
    'big × COPY time': headline.baseline
      ? headline.endToEndSeconds / headline.baseline.copySeconds
      : undefined,
    'big worker peak RSS MB': headline.phase.worker.peakRssMb,
    'big extraction process peak RSS MB': headline.phase.extraction.peakRssMb,
    'big worker + extraction sampled peak RSS MB': headline.phase.workerTotal.sampledMb,
    'big worker + extraction upper bound RSS MB': headline.phase.workerTotal.upperMb,
    'big worker /health/live max ms': headline.phase.probe.maxMs,
    'pdf pages': pdf.pageCount,
    'pdf s': pdf.endToEndSeconds,
    'pdf pages/s': pdf.pageCount / pdf.endToEndSeconds,
    'pdf worker peak RSS MB': pdf.phase.worker.peakRssMb,
    'pdf extraction process peak RSS MB': pdf.phase.extraction.peakRssMb,
    'pdf worker + extraction sampled peak RSS MB': pdf.phase.workerTotal.sampledMb,
    'small upload requests s': small.uploadSeconds,
    'worker extra environment': process.env.BENCH_WORKER_ENV ?? 'none',
  });
  return {
    rows,
    summary:
      `small files: ${fixed(small.files / small.endToEndSeconds)} docs/s, ` +
      `${fixed(small.endToEndSeconds / small.baseline.copySeconds, 1)}× the COPY time; ` +
      `big file (${fixed(headline.totalBytes / MB)} MB): ${fixed(headline.totalBytes / MB / headline.endToEndSeconds)} MB/s, ` +
      `${headline.baseline ? fixed(headline.endToEndSeconds / headline.baseline.copySeconds, 1) : 'n/a'}× the COPY time; ` +
      `worker peak RSS ${fixed(Math.max(...Object.values(results).map((r) => r.phase.worker.peakRssMb)), 0)} MB ` +
      `(with its extraction processes, big file: ${fixed(headline.phase.workerTotal.sampledMb, 0)} MB sampled, ${fixed(headline.phase.workerTotal.upperMb, 0)} MB upper bound); ` +
      `${pdf.pageCount}-page PDF: ${fixed(pdf.endToEndSeconds)} s, ${fixed(pdf.pageCount / pdf.endToEndSeconds, 1)} pages/s` +
      (big.status === 'failed'
        ? `; the ${fixed(big.totalBytes / MB, 1)} MB file failed: ${big.errorCode}`
        : '') +
      `\n${machine}. Written to bench/RESULTS.md.`,
  };
}

module.exports = {
  description:
    'ingestion: uploads through the api, processed by the worker, vs PostgreSQL COPY of the same chunks',
  run,
};
