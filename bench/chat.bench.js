// What chat costs in Docent: (1) an authenticated GET /api/v1/chat/sessions/:id/messages?limit=20
// on a session holding SEED_MESSAGES messages (JWT guard + Redis MGET, throttler, CASL, the
// session meta HGETALL and its sealed title, the page Lua script, 20 AES-256-GCM values opened,
// DTOs, request logging) and (2) a question round trip, POST /api/v1/chat/sessions/:id/messages
// answered by the extractive generator over a few ingested corpus files (retrieval SQL, the last
// turns, the generator's stemming query, both messages sealed and appended by the Lua script,
// the user index, the usage upsert). Each against a bare Fastify + ioredis + pg server
// (bench/chat-baseline.js) doing the same Redis commands, SQL and decryption in the same run.
//
// The bench builds its own environment and removes it afterwards: a database docent_bench_<id>
// (migrated with the built migrate entry, dropped at the end), a Redis key prefix
// docent-bench:<id>: (keys deleted at the end), a temporary STORAGE_DIR, and the BUILT api and
// worker started as child processes from a private copy of dist/ taken at the start. The worker
// only ingests the corpus files and is stopped before any measurement. The load comes from
// autocannon in a child process; the bare server runs in the bench process.
//
//   npm run bench -- chat     BENCH_DURATION_S (10) per measurement,
//                             BENCH_GET_CONNECTIONS (10,50), BENCH_ASK_CONNECTIONS (4,16)
//
// The results are written to bench/RESULTS.md (this benchmark's section is replaced).
const { Blob } = require('node:buffer');
const { randomBytes } = require('node:crypto');
const { readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { URL } = require('node:url');
const { isDeepStrictEqual } = require('node:util');
const Redis = require('ioredis');
const { Client, Pool } = require('pg');
const { cpuSeconds } = require('./ingestion-support.js');
const {
  loadInChild,
  privateBuild,
  runNode,
  startChild,
  stopChild,
  waitReady,
} = require('./processes.js');
const { startBaseline } = require('./chat-baseline.js');
const {
  adminQuery,
  deleteKeys,
  freePort,
  sleep,
  tail,
  writeFigures,
  writeResults,
} = require('./support.js');

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 3;
const list = (value, fallback) =>
  (value ?? fallback)
    .split(',')
    .map((n) => Number(n.trim()))
    .filter((n) => n > 0);
const GET_CONNECTIONS = list(process.env.BENCH_GET_CONNECTIONS, '10,50');
const ASK_CONNECTIONS = list(process.env.BENCH_ASK_CONNECTIONS, '4,16');
const SEED_MESSAGES = 200;
const PAGE_LIMIT = 20;
const CORPUS_DIR = process.env.BENCH_CORPUS_DIR ?? path.resolve(__dirname, '../../shared/corpus');
const CORPUS_FILES = [
  'google-doc-document.pdf',
  'single-paragraph.docx',
  'minimal-document.pdf',
  'pdflatex-4-pages.pdf',
  'multicolumn.pdf',
  'tables.docx',
  'footnotes.docx',
];
const MIME = {
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};
// cycled by every connection: two answered from the corpus, one the documents do not answer
const QUESTIONS = [
  'Readability counts?',
  'What does the text say about walking on imported air?',
  'What is the population of Lisbon in 1750?',
];
const RESULTS_HEADING =
  '## chat: messages page and question round trip, Docent api vs bare Fastify';

/**
 * One autocannon run in a child process; rejects on any non-2xx or error. `cpu()` reads the
 * serving process's CPU seconds (before and after).
 */
async function load(label, options, cpu) {
  const result = await loadInChild(label, options, () => cpu() * 1e6);
  console.log(
    `${label}: ${Math.round(result.rps)} req/s, p50 ${result.p50ms.toFixed(2)} ms, ` +
      `p99 ${result.p99ms.toFixed(2)} ms`,
  );
  return result;
}

async function call(method, url, { token, body, expect }) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && !(body instanceof globalThis.FormData)) {
    headers['content-type'] = 'application/json';
  }
  const response = await globalThis.fetch(url, {
    method,
    headers,
    body: body instanceof globalThis.FormData ? body : body && JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expect) {
    throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 1000)}`);
  }
  return text ? JSON.parse(text) : null;
}

/** Replaces this benchmark's section of RESULTS.md (in place), keeping the others. */
/** The two servers answer the same page (ids, roles, contents, citations, in order). */
function samePage(docent, bare) {
  return (
    docent.items.length === PAGE_LIMIT &&
    isDeepStrictEqual(docent.items, bare.items) &&
    docent.nextCursor === bare.nextCursor
  );
}

async function run() {
  const { tmp, app, apiEntry, workerEntry, migrateEntry } = privateBuild('chat');
  const { loadConfig, DEFAULTS } = require(
    path.join(app, 'dist/apps/api/libs/config/src/index.js'),
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
    LLM_PROVIDER: 'extractive',
    // the throttlers stay on (their Redis round trips are part of the cost) with limits the
    // bench never reaches
    RATE_LIMIT: '1000000/1s',
    RATE_LIMIT_CHAT: '1000000/1s',
    RATE_LIMIT_UPLOAD: '1000000/1s',
    JWT_ACCESS_TTL: '6h',
  };
  const config = loadConfig(env);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const chatUrl = `${apiUrl}/api/v1/chat/sessions`;

  let databaseCreated = false;
  let api;
  let worker;
  let bare;
  let bareRedis;
  let pool;
  const loadBefore = os.loadavg();
  const measured = { get: [], ask: [] };
  const notes = {};
  try {
    await adminQuery(serverUrl, `create database "${databaseName}"`);
    databaseCreated = true;
    await runNode(migrateEntry, ['up'], env, app);
    api = startChild('api', apiEntry, env, path.join(tmp, 'api.log'), app);
    worker = startChild('worker', workerEntry, env, path.join(tmp, 'worker.log'), app);
    await waitReady(api, `${apiUrl}/health/ready`, 90_000);
    await waitReady(worker, `http://127.0.0.1:${workerPort}/health/ready`, 90_000);

    const tokens = await call('POST', `${apiUrl}/api/v1/auth/register`, {
      body: {
        email: `bench-${id}@example.com`,
        password: `bench passphrase ${randomBytes(12).toString('hex')}`,
        displayName: 'Bench User',
      },
      expect: 201,
    });
    const token = tokens.accessToken;

    // the corpus, ingested by the real worker
    const form = new globalThis.FormData();
    for (const name of CORPUS_FILES) {
      const content = readFileSync(path.join(CORPUS_DIR, name));
      form.append('files', new Blob([content], { type: MIME[path.extname(name)] }), name);
    }
    const uploaded = await call('POST', `${apiUrl}/api/v1/documents`, {
      token,
      body: form,
      expect: 202,
    });
    const documentIds = uploaded.accepted.map((document) => document.id);
    const deadline = Date.now() + 5 * 60_000;
    const db = new Client({ connectionString: databaseUrl.toString() });
    await db.connect();
    try {
      for (;;) {
        const { rows } = await db.query(
          `select count(*) filter (where status in ('completed', 'failed'))::int as done,
                  count(*) filter (where status = 'completed')::int as completed
             from documents where id = any($1::uuid[])`,
          [documentIds],
        );
        if (rows[0].done === documentIds.length) {
          if (rows[0].completed !== documentIds.length) {
            throw new Error(`only ${rows[0].completed}/${documentIds.length} documents completed`);
          }
          break;
        }
        if (Date.now() > deadline) throw new Error(`ingestion not done:\n${tail(worker.logFile)}`);
        await sleep(250);
      }
      const { rows } = await db.query(
        `select count(*)::int as chunks from document_chunks where document_id = any($1::uuid[])`,
        [documentIds],
      );
      notes.chunks = rows[0].chunks;
    } finally {
      await db.end();
    }
    // nothing left for the worker to do: it would only compete for the cores
    await stopChild(worker);
    notes.documents = documentIds.length;

    // sessions: one read by both servers, one written by each
    const newSession = (title) => call('POST', chatUrl, { token, body: { title }, expect: 201 });
    const readSession = await newSession('bench: read');
    const docentAsk = await newSession('bench: docent asks');
    const bareAsk = await newSession('bench: bare asks');
    for (let i = 0; i < SEED_MESSAGES / 2; i += 1) {
      await call('POST', `${chatUrl}/${readSession.id}/messages`, {
        token,
        body: { content: QUESTIONS[i % QUESTIONS.length] },
        expect: 201,
      });
    }

    bareRedis = new Redis(config.redis.url, { keyPrefix: config.redis.keyPrefix });
    pool = new Pool({ connectionString: databaseUrl.toString(), max: config.database.poolMax });
    // the bare server's request lines go to a file, as the api's do (its stdout is api.log)
    const logStream = require('pino').destination({ dest: path.join(tmp, 'bare.log'), sync: true });
    bare = await startBaseline({ redis: bareRedis, pool, config, logStream });
    const bareUrl = `http://127.0.0.1:${bare.server.address().port}/sessions`;

    // both answer the same before any load
    const pagePath = (base, sessionId) => `${base}/${sessionId}/messages?limit=${PAGE_LIMIT}`;
    const [fromDocent, fromBare] = [
      await call('GET', pagePath(chatUrl, readSession.id), { token, expect: 200 }),
      await call('GET', pagePath(bareUrl, readSession.id), { token, expect: 200 }),
    ];
    if (!samePage(fromDocent, fromBare)) {
      throw new Error(
        `the two servers disagree on the page: ${JSON.stringify(fromDocent).slice(0, 800)} vs ${JSON.stringify(fromBare).slice(0, 800)}`,
      );
    }
    const askedDocent = await call('POST', `${chatUrl}/${docentAsk.id}/messages`, {
      token,
      body: { content: QUESTIONS[0] },
      expect: 201,
    });
    const askedBare = await call('POST', `${bareUrl}/${bareAsk.id}/messages`, {
      token,
      body: { content: QUESTIONS[0] },
      expect: 201,
    });
    const cited = (result) => result.assistantMessage.citations.map((c) => c.filename);
    notes.docentCites = cited(askedDocent);
    notes.bareCites = cited(askedBare);
    if (notes.docentCites[0] !== notes.bareCites[0]) {
      throw new Error(
        `the two servers answer differently: ${JSON.stringify(askedDocent.assistantMessage)} vs ${JSON.stringify(askedBare.assistantMessage)}`,
      );
    }
    // the baseline's writes are readable by Docent (same layout, same sealing)
    const bareWritten = await call('GET', pagePath(chatUrl, bareAsk.id), { token, expect: 200 });
    if (bareWritten.items[1]?.content !== askedBare.assistantMessage.content) {
      throw new Error('Docent cannot read what the baseline wrote');
    }

    const headers = { authorization: `Bearer ${token}` };
    const cpu = {
      bare: () => {
        const used = process.cpuUsage();
        return (used.user + used.system) / 1e6;
      },
      docent: () => cpuSeconds(api.pid),
    };
    const getOptions = (base, connections, duration) => ({
      url: pagePath(base, readSession.id),
      connections,
      duration,
      headers,
    });
    const askOptions = (base, sessionId, connections, duration) => {
      const url = new URL(`${base}/${sessionId}/messages`);
      return {
        url: url.origin,
        connections,
        duration,
        requests: QUESTIONS.map((content) => ({
          method: 'POST',
          path: url.pathname,
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ content }),
        })),
      };
    };

    await load('GET bare warm-up', getOptions(bareUrl, GET_CONNECTIONS[0], WARMUP_S), cpu.bare);
    await load('GET docent warm-up', getOptions(chatUrl, GET_CONNECTIONS[0], WARMUP_S), cpu.docent);
    for (const connections of GET_CONNECTIONS) {
      measured.get.push({
        connections,
        bare: await load(
          `GET bare ${connections}c`,
          getOptions(bareUrl, connections, DURATION_S),
          cpu.bare,
        ),
        docent: await load(
          `GET docent ${connections}c`,
          getOptions(chatUrl, connections, DURATION_S),
          cpu.docent,
        ),
      });
    }
    await load(
      'POST bare warm-up',
      askOptions(bareUrl, bareAsk.id, ASK_CONNECTIONS[0], WARMUP_S),
      cpu.bare,
    );
    await load(
      'POST docent warm-up',
      askOptions(chatUrl, docentAsk.id, ASK_CONNECTIONS[0], WARMUP_S),
      cpu.docent,
    );
    for (const connections of ASK_CONNECTIONS) {
      measured.ask.push({
        connections,
        bare: await load(
          `POST bare ${connections}c`,
          askOptions(bareUrl, bareAsk.id, connections, DURATION_S),
          cpu.bare,
        ),
        docent: await load(
          `POST docent ${connections}c`,
          askOptions(chatUrl, docentAsk.id, connections, DURATION_S),
          cpu.docent,
        ),
      });
    }
    // both sessions were capped, never lost
    const after = await Promise.all(
      [docentAsk, bareAsk].map((s) => call('GET', `${chatUrl}/${s.id}`, { token, expect: 200 })),
    );
    notes.askCounts = after.map((s) => s.messageCount);
  } finally {
    if (bare) await bare.close().catch(() => {});
    if (bareRedis) await bareRedis.quit().catch(() => {});
    if (pool) await pool.end().catch(() => {});
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
  const loadAfter = os.loadavg();
  return report(measured, notes, { loadBefore, loadAfter, maxMessages: config.chat.maxMessages });
}

async function report(measured, notes, context) {
  const round = (value, digits) => Number(value.toFixed(digits));
  const machine = `${os.availableParallelism()} cores (nproc), ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
  const rows = {};
  const lines = [];
  const ratios = [];
  for (const [kind, label] of [
    ['get', `GET messages?limit=${PAGE_LIMIT}`],
    ['ask', 'POST question (extractive)'],
  ]) {
    for (const m of measured[kind]) {
      for (const target of ['bare', 'docent']) {
        const r = m[target];
        const name = target === 'bare' ? 'bare fastify' : 'docent api';
        rows[`${kind} ${m.connections}c ${target}`] = {
          'req/s': Math.round(r.rps),
          'p50 ms': round(r.p50ms, 2),
          'p99 ms': round(r.p99ms, 2),
          'CPU µs/req': Math.round(r.cpuUsPerRequest),
          requests: r.requests,
        };
        lines.push(
          `| ${label} | ${m.connections} | ${name} | ${Math.round(r.rps)} | ${round(r.p50ms, 2)} | ${round(r.p99ms, 2)} | ${Math.round(r.cpuUsPerRequest)} | ${r.requests} |`,
        );
      }
      ratios.push({
        label,
        connections: m.connections,
        throughput: m.docent.rps / m.bare.rps,
        p50: m.docent.p50ms / m.bare.p50ms,
        p99: m.docent.p99ms / m.bare.p99ms,
        cpu: m.docent.cpuUsPerRequest / m.bare.cpuUsPerRequest,
      });
    }
  }
  const ratioLines = ratios.map(
    (r) =>
      `| ${r.label} | ${r.connections} | **${r.throughput.toFixed(2)}×** | ${r.p50.toFixed(2)}× | **${r.p99.toFixed(2)}×** | ${r.cpu.toFixed(2)}× |`,
  );
  const load = (l) => l.map((v) => v.toFixed(2)).join(' / ');
  await writeResults(
    RESULTS_HEADING,
    [
      RESULTS_HEADING,
      '',
      `Docent: the built api (\`dist/.../main.js\`, its own process; throttlers on with limits never`,
      `reached, request logging at info). Baseline: a bare Fastify server in the bench process`,
      `(bench/chat-baseline.js) with its own ioredis client and \`pg\` pool doing the same work by hand:`,
      `HS256 verification with a KeyObject made from JWT_ACCESS_SECRET (same options), the guard's MGET`,
      `and the throttler's script (twice for a question), security headers, the latency histogram and a`,
      `request log line to a file; for the page, the same Lua page script returning the owner and`,
      `${PAGE_LIMIT} values, opened (AES-256-GCM, node:crypto) once the owner is checked; for the question,`,
      `HGETALL of the session meta and opening its sealed title, the same retrieval SQL (BM25, copied`,
      `from bm25-query.ts, same binds) in parallel with the page script for the last 6 turns, the`,
      `extractive generator's stemming query and an IDF-coverage sentence pick, both messages sealed,`,
      `the same append script and index MULTI, and the usage upsert. Not in the baseline: Nest's`,
      `pipeline (guards, CASL ability, class-validator, interceptors, filter) and MikroORM.`,
      '`npm run build && npm run bench -- chat` (bench/chat.bench.js).',
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine}; autocannon ${require('autocannon/package.json').version} in a child process; the load generator, the api, the bench process (bare server), PostgreSQL and Redis share the cores: compare the ratios`,
      `- data: ${notes.documents} corpus files ingested by the built worker (${notes.chunks} chunks; the worker is stopped before measuring); the page is read from a session of ${SEED_MESSAGES} messages (asked through the api); questions cycle over ${QUESTIONS.map((q) => `"${q}"`).join(', ')}, each target appending to its own session (capped at CHAT_MAX_MESSAGES ${context.maxMessages}; ${notes.askCounts.join(' and ')} messages at the end); before the load both servers returned the same page (deep-equal) and cited ${notes.docentCites[0]} for "${QUESTIONS[0]}", and Docent read back what the baseline wrote`,
      `- runs: ${WARMUP_S} s warm-up per target and endpoint, then one ${DURATION_S} s run per target and connection count, bare first; CPU µs/req = the serving process's CPU time (api: /proc utime+stime, 10 ms ticks; bare: process.cpuUsage) over the run / requests; PostgreSQL's and Redis' CPU are not counted`,
      `- 1/5/15-minute load average ${load(context.loadBefore)} before, ${load(context.loadAfter)} after (2 cores: above ~3 means other processes competed)`,
      '',
      '| endpoint | connections | target | req/s | p50 ms | p99 ms | server CPU µs/req | requests |',
      '|---|---:|---|---:|---:|---:|---:|---:|',
      ...lines,
      '',
      '| endpoint | connections | docent/bare throughput | p50 | p99 | CPU/req |',
      '|---|---:|---:|---:|---:|---:|',
      ...ratioLines,
      '',
      'Every response was 2xx.',
      '',
    ].join('\n'),
  );
  const figures = {};
  for (const r of ratios) {
    const kind = r.label.startsWith('GET') ? 'page' : 'question';
    figures[`${kind}.${r.connections}c.throughputRatio`] = r.throughput;
    figures[`${kind}.${r.connections}c.cpuPerRequestRatio`] = r.cpu;
    figures[`${kind}.${r.connections}c.p99Ratio`] = r.p99;
  }
  await writeFigures('chat', figures);
  return {
    rows,
    summary: ratios
      .map(
        (r) =>
          `${r.label} @${r.connections}c: docent/bare throughput ${r.throughput.toFixed(2)}, p99 ${r.p99.toFixed(2)}, CPU/req ${r.cpu.toFixed(2)}`,
      )
      .join('\n'),
  };
}

module.exports = {
  description:
    'chat: messages page and question round trip, Docent api vs bare Fastify + ioredis + pg',
  run,
};
