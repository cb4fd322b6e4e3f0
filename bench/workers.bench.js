// Does ingestion throughput grow with worker processes? The same many-files workload (BENCH_WORKER_FILES
// small .txt files of distinct English-like prose, 2 to 6 KB) is ingested by 1 built worker
// process, then by 3, then by 1 worker with three times the concurrency (as many job slots as
// the 3 workers, in one process), in the same run, on the same database, api and machine.
//
// Each phase: the files are uploaded through the built api while no worker runs (the jobs wait in
// the queue, so upload cost stays out of the measurement), then the workers are started together
// and the bench polls the database until every document is `completed`. Throughput is the steady
// rate between the 10th and the 90th percentile of `completed_at` (worker start-up excluded); the
// wall time from starting the workers is reported too. During the phase the bench records:
// - how many documents were `processing` at once (the job slots actually in use),
// - PostgreSQL lock waits of the bench database's backends (pg_stat_activity, wait_event_type
//   'Lock'): anything serialising the workers in the database shows up here,
// - CPU seconds of the workers and of the PostgreSQL backends serving the database, and the
//   whole machine's busy time (/proc/stat): how many of the cores the phase kept busy,
// - each worker's ingestion_step_duration_seconds (from /metrics): where a document's time goes.
//
//   npm run bench -- workers     BENCH_WORKER_FILES (400), BENCH_WORKERS (3)
//
// Linux only (/proc). The results are written to bench/RESULTS.md (this benchmark's section).
const { randomBytes } = require('node:crypto');
const { readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { URL } = require('node:url');
const Queue = require('bull');
const { Client } = require('pg');
const { backendCpu, proseText, cpuSeconds, uploadTexts } = require('./ingestion-support.js');
const { privateBuild, runNode, startChild, stopChild, waitReady } = require('./processes.js');
const {
  adminQuery,
  deleteKeys,
  freePort,
  sleep,
  writeFigures,
  writeResults,
} = require('./support.js');

const FILES = Number(process.env.BENCH_WORKER_FILES ?? 400);
const POOL = Number(process.env.BENCH_WORKERS ?? 3);
const ROUNDS = Number(process.env.BENCH_WORKER_ROUNDS ?? 2);
const SMALL_MIN_BYTES = 2048;
const SMALL_MAX_BYTES = 6144;
const WARMUP_FILES = 20;
const POLL_MS = 50;
const PHASE_TIMEOUT_MS = 20 * 60_000;
const STEPS = ['read', 'extract', 'chunk', 'index'];
const RESULTS_HEADING = '## workers: ingestion throughput with 1 vs 3 worker processes';

const fixed = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, v) => sum + v, 0);
  // idle + iowait are not busy
  const idle = values[3] + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Threads running or ready to run on the whole machine right now (/proc/loadavg, 4th field). */
function runnableThreads() {
  const field = readFileSync('/proc/loadavg', 'utf8').split(' ')[3];
  return Number(field.split('/')[0]);
}

/**
 * Sum and count of each step of ingestion_step_duration_seconds in a Prometheus text, and of
 * completed runs (ingestion_job_duration_seconds{outcome="completed"}) as `job`.
 */
function stepTotals(text) {
  const totals = {};
  for (const line of text.split('\n')) {
    const match = /^ingestion_(step|job)_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    // a whole completed run counts as the step `job`
    const step =
      match[1] === 'job'
        ? /outcome="completed"/.test(match[3])
          ? 'job'
          : undefined
        : /step="([a-z]+)"/.exec(match[3])?.[1];
    if (!step) continue;
    totals[step] ??= { sum: 0, count: 0 };
    totals[step][match[2]] += Number(match[4]);
  }
  return totals;
}

class WorkersBench {
  constructor({ apiUrl, token, db, databaseName, env, app, tmp, uploadMaxFiles, queue }) {
    Object.assign(this, { apiUrl, token, db, databaseName, env, app, tmp, uploadMaxFiles, queue });
    this.workerEntry = path.join(app, 'dist/apps/worker/apps/worker/src/main.js');
  }

  upload(files) {
    return uploadTexts(this.apiUrl, this.token, files);
  }

  /** `count` distinct files, uploaded in batches of UPLOAD_MAX_FILES; their ids. */
  async uploadFiles(count, seedBase, label) {
    const ids = [];
    for (let start = 0; start < count; start += this.uploadMaxFiles) {
      const files = [];
      for (let i = start; i < Math.min(count, start + this.uploadMaxFiles); i += 1) {
        const seed = seedBase + i;
        const bytes =
          SMALL_MIN_BYTES + (((seed * 2654435761) >>> 0) % (SMALL_MAX_BYTES - SMALL_MIN_BYTES));
        files.push({
          name: `${label}-${String(i + 1).padStart(4, '0')}.txt`,
          content: proseText(bytes, seed, `${label} document ${i + 1} (${seed})`),
        });
      }
      ids.push(...(await this.upload(files)));
    }
    return ids;
  }

  async statusCounts(ids) {
    const { rows } = await this.db.query(
      `select status, count(*)::int as n from documents where id = any($1::uuid[]) group by status`,
      [ids],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  async lockWaits() {
    const { rows } = await this.db.query(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return rows[0].n;
  }

  /** ingestion_step_duration_seconds of the given workers, summed. */
  async stepTotals(children) {
    const steps = {};
    for (const child of children) {
      const text = await (await globalThis.fetch(`${child.url}/metrics`)).text();
      for (const [step, { sum, count }] of Object.entries(stepTotals(text))) {
        steps[step] ??= { sum: 0, count: 0 };
        steps[step].sum += sum;
        steps[step].count += count;
      }
    }
    return steps;
  }

  /** Starts `workers` worker processes with `concurrency` job slots each. */
  async startWorkers(workers, concurrency, label) {
    const started = [];
    for (let i = 0; i < workers; i += 1) {
      const port = await freePort();
      const child = startChild(
        `worker ${i + 1}/${workers}`,
        this.workerEntry,
        { ...this.env, WORKER_HTTP_PORT: String(port), INGESTION_CONCURRENCY: String(concurrency) },
        path.join(this.tmp, `${label}-worker${i + 1}.log`),
        this.app,
      );
      child.url = `http://127.0.0.1:${port}`;
      started.push(child);
    }
    return started;
  }

  /**
   * One phase: `workers` × `concurrency` started and ready on the paused queue, the files
   * uploaded (their jobs wait), then the queue resumed: every worker starts at the same moment,
   * and neither start-up nor upload is in the measurement.
   */
  async phase({ workers, concurrency, label, seedBase, files = FILES }) {
    await this.queue.pause(); // global: every worker stops taking jobs
    const children = await this.startWorkers(workers, concurrency, label);
    await Promise.all(children.map((child) => waitReady(child, `${child.url}/health/ready`)));
    // what an idle worker costs (timers, bull's polling and lock checks, metrics): its CPU while
    // the files are uploaded, the queue paused
    await sleep(1000); // start-up's last work (JIT, first health probes) out of the way
    const idleFrom = { at: performance.now(), cpu: children.map((child) => cpuSeconds(child.pid)) };
    const ids = await this.uploadFiles(files, seedBase, label);
    const idleMsPerSecond =
      (children.reduce((total, child, i) => total + cpuSeconds(child.pid) - idleFrom.cpu[i], 0) /
        children.length /
        ((performance.now() - idleFrom.at) / 1000)) *
      1000;
    const queued = await this.statusCounts(ids);
    if (queued.queued !== files) {
      throw new Error(
        `${label}: expected ${files} queued documents, got ${JSON.stringify(queued)}`,
      );
    }
    const backendsBefore = await backendCpu(this.db);
    const workerCpuBefore = new Map(children.map((child) => [child.pid, cpuSeconds(child.pid)]));
    const stepsBefore = await this.stepTotals(children);
    const machineBefore = machineTicks();
    const startedAt = performance.now();
    await this.queue.resume();
    let maxProcessing = 0;
    let runnable = 0;
    let samples = 0;
    let samplesWithLockWait = 0;
    let maxLockWaits = 0;
    const workerCpu = new Map();
    const backendsAfter = new Map();
    try {
      const deadline = Date.now() + PHASE_TIMEOUT_MS;
      for (;;) {
        const counts = await this.statusCounts(ids);
        const waits = await this.lockWaits();
        samples += 1;
        // minus the reading process itself
        runnable += Math.max(0, runnableThreads() - 1);
        if (waits > 0) samplesWithLockWait += 1;
        maxLockWaits = Math.max(maxLockWaits, waits);
        maxProcessing = Math.max(maxProcessing, counts.processing ?? 0);
        // CPU of the workers and of the backends, read while they are alive
        for (const child of children) {
          if (child.exitInfo)
            throw new Error(`${child.label} exited: ${JSON.stringify(child.exitInfo)}`);
          workerCpu.set(child.pid, cpuSeconds(child.pid));
        }
        for (const [pid, seconds] of await backendCpu(this.db)) backendsAfter.set(pid, seconds);
        if ((counts.completed ?? 0) + (counts.failed ?? 0) === files) {
          if (counts.failed) throw new Error(`${label}: ${counts.failed} documents failed`);
          break;
        }
        if (Date.now() > deadline) throw new Error(`${label}: not done: ${JSON.stringify(counts)}`);
        await sleep(POLL_MS);
      }
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const machineAfter = machineTicks();
      const steps = await this.stepTotals(children);
      for (const [step, before] of Object.entries(stepsBefore)) {
        steps[step].sum -= before.sum;
        steps[step].count -= before.count;
      }
      // the steady rate: completions between the 10th and the 90th percentile
      const { rows } = await this.db.query(
        `select extract(epoch from completed_at)::float8 as t from documents
          where id = any($1::uuid[]) order by completed_at`,
        [ids],
      );
      const lo = Math.floor(rows.length * 0.1);
      const hi = Math.floor(rows.length * 0.9);
      const steadyRate = (hi - lo) / (rows[hi].t - rows[lo].t);
      const { rows: chunkRows } = await this.db.query(
        `select count(*)::int as chunks,
                count(distinct (document_id, chunk_index))::int as positions
           from document_chunks where document_id = any($1::uuid[])`,
        [ids],
      );
      let backendCpu = 0;
      for (const [pid, seconds] of backendsAfter)
        backendCpu += seconds - (backendsBefore.get(pid) ?? 0);
      const cores = os.availableParallelism();
      const busyCores =
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) *
        cores;
      return {
        label,
        workers,
        concurrency,
        files,
        wallSeconds,
        steadyRate,
        maxProcessing,
        runnable: runnable / samples,
        idleMsPerSecond,
        samples,
        samplesWithLockWait,
        maxLockWaits,
        workerCpu: [...workerCpu.entries()].reduce(
          (total, [pid, seconds]) => total + seconds - workerCpuBefore.get(pid),
          0,
        ),
        backendCpu,
        busyCores,
        steps,
        chunks: chunkRows[0].chunks,
        duplicateChunks: chunkRows[0].chunks - chunkRows[0].positions,
      };
    } finally {
      await Promise.all(children.map((child) => stopChild(child)));
    }
  }
}

async function run() {
  const { tmp, app, apiEntry, migrateEntry } = privateBuild('workers');
  const { loadConfig, DEFAULTS } = require(
    path.join(app, 'dist/apps/api/libs/config/src/index.js'),
  );

  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const serverUrl = process.env.DATABASE_URL ?? DEFAULTS.DATABASE_URL;
  const databaseName = `docent_bench_${id}`;
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const apiPort = await freePort();
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_KEY_PREFIX: `docent-bench:${id}:`,
    STORAGE_DIR: path.join(tmp, 'storage'),
    RATE_LIMIT: '1000000/1s',
    RATE_LIMIT_UPLOAD: '1000000/1s',
    JWT_ACCESS_TTL: '6h',
  };
  const config = loadConfig(env);
  const { uploadMaxFiles, ingestionConcurrency } = config.documents;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // the ingestion queue as bull names it (QueueModule: prefix REDIS_KEY_PREFIX + 'bull'), to
  // pause it globally while workers start and files are uploaded
  const queue = new Queue('ingestion', config.redis.url, {
    prefix: `${config.redis.keyPrefix}bull`,
  });
  let databaseCreated = false;
  let api;
  let db;
  const phases = [];
  const loadBefore = os.loadavg()[0];
  try {
    await adminQuery(serverUrl, `create database "${databaseName}"`);
    databaseCreated = true;
    await runNode(migrateEntry, ['up'], env, app);
    api = startChild('api', apiEntry, env, path.join(tmp, 'api.log'), app);
    await waitReady(api, `${apiUrl}/health/ready`);
    const register = await globalThis.fetch(`${apiUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench-${id}@example.com`,
        password: `bench passphrase ${randomBytes(12).toString('hex')}`,
        displayName: 'Bench User',
      }),
    });
    const tokens = await register.json();
    if (register.status !== 201) throw new Error(`register: ${JSON.stringify(tokens)}`);
    db = new Client({ connectionString: databaseUrl.toString() });
    await db.connect();
    const bench = new WorkersBench({
      apiUrl,
      token: tokens.accessToken,
      db,
      databaseName,
      env,
      app,
      tmp,
      uploadMaxFiles,
      queue,
    });

    // warm-up: the api's upload path, PostgreSQL's caches, the page cache of the build
    await bench.phase({
      workers: 1,
      concurrency: ingestionConcurrency,
      label: 'warmup',
      seedBase: 500_000,
      files: WARMUP_FILES,
    });
    const configs = [
      { workers: 1, concurrency: ingestionConcurrency },
      { workers: POOL, concurrency: ingestionConcurrency },
      { workers: 1, concurrency: ingestionConcurrency * POOL },
    ];
    // rounds of every configuration, interleaved, so a change in the machine's load over the run
    // weighs on each of them alike
    let seedBase = 1_000_000;
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const step of configs) {
        const label = `w${step.workers}c${step.concurrency}r${round}`;
        seedBase += 100_000;
        const result = await bench.phase({ ...step, label, seedBase });
        phases.push(result);
        console.log(
          `${label}: ${result.files} files, steady ${fixed(result.steadyRate)} docs/s, ` +
            `${fixed(result.wallSeconds)} s, ${fixed(result.busyCores)} cores busy (machine), ` +
            `max ${result.maxProcessing} processing at once, lock waits in ${result.samplesWithLockWait}/${result.samples} samples`,
        );
      }
    }
  } finally {
    await queue.close().catch(() => {});
    if (db) await db.end().catch(() => {});
    await stopChild(api);
    await deleteKeys(config.redis.url, config.redis.keyPrefix).catch((error) =>
      console.error(`could not delete the bench's Redis keys: ${error}`),
    );
    if (databaseCreated) {
      await adminQuery(serverUrl, `drop database if exists "${databaseName}" with (force)`);
    }
    rmSync(tmp, { recursive: true, force: true });
  }
  return report(phases, { ingestionConcurrency, loadBefore, loadAfter: os.loadavg()[0] });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function report(phases, context) {
  const cores = os.availableParallelism();
  const machine = `${cores} cores (nproc), ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
  const name = (p) =>
    `${p.workers} worker${p.workers > 1 ? 's' : ''} × INGESTION_CONCURRENCY=${p.concurrency}`;
  // per configuration, in the order they ran: median rate, totals over the rounds
  const groups = new Map();
  for (const p of phases) {
    if (!groups.has(name(p))) groups.set(name(p), []);
    groups.get(name(p)).push(p);
  }
  const summary = [...groups].map(([label, list]) => {
    const sum = (pick) => list.reduce((total, p) => total + pick(p), 0);
    const files = sum((p) => p.files);
    const steps = {};
    for (const p of list) {
      for (const [step, { sum: s, count }] of Object.entries(p.steps)) {
        steps[step] ??= { sum: 0, count: 0 };
        steps[step].sum += s;
        steps[step].count += count;
      }
    }
    return {
      label,
      rates: list.map((p) => p.steadyRate),
      rate: median(list.map((p) => p.steadyRate)),
      wall: median(list.map((p) => p.wallSeconds)),
      maxProcessing: Math.max(...list.map((p) => p.maxProcessing)),
      busyCores: median(list.map((p) => p.busyCores)),
      runnable: median(list.map((p) => p.runnable)),
      idle: median(list.map((p) => p.idleMsPerSecond)),
      // CPU of this phase's own processes (workers + their PostgreSQL backends) per wall second
      ownCores: median(list.map((p) => (p.workerCpu + p.backendCpu) / p.wallSeconds)),
      workerMs: (sum((p) => p.workerCpu) / files) * 1000,
      pgMs: (sum((p) => p.backendCpu) / files) * 1000,
      lockSamples: sum((p) => p.samplesWithLockWait),
      samples: sum((p) => p.samples),
      maxLockWaits: Math.max(...list.map((p) => p.maxLockWaits)),
      duplicates: sum((p) => p.duplicateChunks),
      steps,
    };
  });
  const [one, pool, wide] = summary;
  const ratio = pool.rate / one.rate;
  const wideRatio = wide.rate / one.rate;
  const rows = {};
  const lines = [
    `| workers | steady docs/s (median; each round) | × 1 worker | s (median) | most \`processing\` at once | machine cores busy (of ${cores}) | runnable threads (mean) | cores used by workers + PostgreSQL | worker CPU ms/doc | PostgreSQL CPU ms/doc | docs per CPU second | idle worker CPU ms/s | lock waits (polls) | duplicate chunks |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const g of summary) {
    lines.push(
      `| ${g.label} | ${fixed(g.rate)} (${g.rates.map((r) => fixed(r)).join(', ')}) | ${fixed(g.rate / one.rate)}× | ${fixed(g.wall)} | ${g.maxProcessing} | ${fixed(g.busyCores)} | ${fixed(g.runnable, 1)} | ${fixed(g.ownCores)} | ${fixed(g.workerMs, 1)} | ${fixed(g.pgMs, 1)} | ${fixed(1000 / (g.workerMs + g.pgMs), 1)} | ${fixed(g.idle, 1)} | ${g.lockSamples} of ${g.samples} (max ${g.maxLockWaits}) | ${g.duplicates} |`,
    );
    rows[g.label] = {
      'docs/s': Number(fixed(g.rate)),
      ratio: Number(fixed(g.rate / one.rate)),
      'machine busy': Number(fixed(g.busyCores)),
      runnable: Number(fixed(g.runnable, 1)),
      'own cores': Number(fixed(g.ownCores)),
      'worker CPU ms/doc': Number(fixed(g.workerMs, 1)),
      'pg CPU ms/doc': Number(fixed(g.pgMs, 1)),
      'max processing': g.maxProcessing,
    };
  }
  const stepLines = [
    `| step (mean ms per document) | ${summary.map((g) => g.label).join(' | ')} |`,
    `|---|${summary.map(() => '---:').join('|')}|`,
  ];
  const mean = (g, step) => {
    const s = g.steps[step];
    return s && s.count ? (s.sum / s.count) * 1000 : NaN;
  };
  for (const step of [...STEPS, 'other', 'job', 'queue']) {
    const label =
      {
        other:
          'other: loading the document, status and progress updates, the completion events and notification',
        job: '**a whole run** (ingestion_job_duration_seconds, completed)',
        queue: 'queue (waiting for a slot: the whole batch is queued first)',
      }[step] ?? step;
    const cells = summary.map((g) => {
      const value =
        step === 'other'
          ? mean(g, 'job') - STEPS.reduce((total, s) => total + mean(g, s), 0)
          : mean(g, step);
      return fixed(value, step === 'queue' ? 0 : 1);
    });
    stepLines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  const perDocCpuMs = one.workerMs + one.pgMs;
  const ceiling = (cores * 1000) / perDocCpuMs;
  await writeResults(
    RESULTS_HEADING,
    [
      RESULTS_HEADING,
      '',
      `${FILES} small .txt files (2–6 KB of distinct prose) per phase. In each phase the workers start and`,
      'become ready on the globally paused ingestion queue, the files are uploaded through the built api (their',
      'jobs wait), then the queue is resumed: every worker starts at once and neither start-up nor upload is',
      `measured. ${ROUNDS} rounds of the three configurations, interleaved, same database, api and machine.`,
      'Throughput is the steady rate between the 10th and the 90th percentile of `completed_at`.',
      '`npm run build && npm run bench -- workers` (bench/workers.bench.js).',
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine}; the bench, api, workers, PostgreSQL and Redis share the cores`,
      `- 1-minute load average ${context.loadBefore.toFixed(2)} before, ${context.loadAfter.toFixed(2)} after (anything else running on the machine counts in "machine cores busy" and slows every phase)`,
      `- machine cores busy: the whole machine's busy time (/proc/stat) over the phase; cores used by workers + PostgreSQL: their CPU seconds (utime+stime of the worker processes and of the PostgreSQL backends serving the bench database) per second of the phase; CPU ms/doc: the same CPU per document`,
      '- idle worker CPU: CPU milliseconds per second of one ready worker while the queue is paused (during the upload): its fixed cost',
      `- runnable threads: threads of the whole machine running or waiting for a core (/proc/loadavg), sampled at each poll; above ${cores} they queue for the CPU`,
      `- lock waits: polls (every ${POLL_MS} ms) in which a backend of the bench database waited on a heavyweight lock (pg_stat_activity.wait_event_type = 'Lock')`,
      '',
      `**${POOL} workers: ${fixed(ratio)}× the throughput of 1** (1 worker with ${POOL}× the concurrency: ${fixed(wideRatio)}×).`,
      '',
      ...lines,
      '',
      'Where a document’s time goes in the worker (ingestion_step_duration_seconds, mean per document; the',
      'api’s share — type detection, encryption, storage, enqueueing — is spent at upload, outside these phases;',
      'there is no embedding step: chunks are indexed with PostgreSQL full-text search):',
      '',
      ...stepLines,
      '',
      `One document costs about ${fixed(perDocCpuMs, 1)} ms of CPU (worker + PostgreSQL, measured with 1 worker): ${cores} cores can`,
      `finish at most about ${fixed(ceiling, 0)} documents per second, however many workers run.`,
      '',
      `Reading: throughput is the job slots in use divided by the time of a run. With ${one.label} a run`,
      `takes ${fixed(mean(one, 'job'), 0)} ms and uses ${fixed(perDocCpuMs, 1)} ms of CPU: most of it is waiting — for a core (${fixed(one.runnable, 1)} runnable`,
      `threads on ${cores} cores during this run) and for PostgreSQL and Redis round trips. More slots overlap those`,
      `waits (${wide.label}: ${fixed(wideRatio)}×); more processes do too, but each process also costs CPU of its`,
      `own per document (${fixed(pool.workerMs, 1)} vs ${fixed(one.workerMs, 1)} ms of worker CPU; most likely each process compiling the same code afresh, as idle a`,
      `worker takes ${fixed(one.idle, 1)} ms of CPU per second), which a machine without an idle core takes from the work itself`,
      `(${pool.label}: ${fixed(ratio)}×). Nothing serialises the workers: ${pool.maxProcessing} documents were processing at`,
      `once with ${pool.label}, and no PostgreSQL lock wait was seen in ${pool.samples} polls. Twice the throughput of one`,
      `worker needs idle cores: on ${cores} cores, about ${fixed(ceiling, 0)} documents per second is the ceiling.`,
      '',
    ].join('\n'),
  );
  await writeFigures('workers', {
    poolOverOneThroughput: ratio,
    wideOverOneThroughput: wideRatio,
    oneWorkerDocsPerSecond: one.rate,
    poolDocsPerSecond: pool.rate,
    cpuMsPerDocument: perDocCpuMs,
    ceilingDocsPerSecond: ceiling,
    workers: POOL,
  });
  return {
    rows,
    summary:
      `${POOL} workers: ${fixed(ratio)}× the steady throughput of 1 worker ` +
      `(${fixed(pool.rate)} vs ${fixed(one.rate)} docs/s; 1 worker × ${POOL} concurrency: ${fixed(wideRatio)}×); ` +
      `machine cores busy ${fixed(one.busyCores)} → ${fixed(pool.busyCores)} of ${cores}; ` +
      `CPU per document ${fixed(perDocCpuMs, 1)} ms → ceiling ≈ ${fixed(ceiling, 0)} docs/s` +
      `\n${machine}. Written to bench/RESULTS.md.`,
  };
}

module.exports = {
  description: 'workers: ingestion throughput of 1 vs 3 worker processes on many small files',
  run,
};
