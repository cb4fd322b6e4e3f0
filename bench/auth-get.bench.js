// What an authenticated request costs in Docent: GET /api/v1/auth/me on the real api (global JWT
// guard: passport-jwt verifying the HS256 access token with the prepared KeyObject, one Redis MGET
// for session revocation and the caller's state; then the Redis-backed throttler, the handler and
// the whole HTTP pipeline, request logging included) against a bare Fastify route doing the same
// JWT verification and the same MGET with its own ioredis client, answering the same JSON.
//
// The bench creates its own PostgreSQL database (docent_bench_<id>, migrated, dropped at the end)
// and its own Redis key prefix (docent-bench:<id>:, deleted at the end): it never touches
// development data. The load comes from autocannon in a child process, so the load generator does
// not share the servers' event loop (it still shares the machine's cores with them and Redis).
//
//   npm run bench -- auth          BENCH_DURATION_S (default 10) per run, BENCH_CONNECTIONS (50)
//
// The results are written to bench/RESULTS.md (this benchmark's section is replaced).
const { Buffer } = require('node:buffer');
const { randomBytes } = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { URL } = require('node:url');
const { isDeepStrictEqual } = require('node:util');
const Fastify = require('fastify');
const Redis = require('ioredis');
const jwt = require('jsonwebtoken');
const pino = require('pino');
const { loadInChild } = require('./processes.js');
const { adminQuery, deleteKeys, writeResults } = require('./support.js');

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 3;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RUNS = 2;
const RESULTS_HEADING = '## auth: authenticated GET, Docent api vs bare Fastify';

// CPU of this process (the servers) while the load runs: unlike req/s, it does not depend on how
// much of the machine the load generator takes
const ownCpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** One autocannon run in a child process (own event loop); rejects on any non-2xx or error. */
const load = (label, url, seconds, headers) =>
  loadInChild(label, { url, connections: CONNECTIONS, duration: seconds, headers }, ownCpuMicros);

async function getJson(url, headers) {
  const response = await globalThis.fetch(url, { headers });
  const body = await response.json();
  if (response.status !== 200) {
    throw new Error(`GET ${url} answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body;
}

/** The bare baseline: the checks of libs/auth/src/guards/jwt.strategy.ts, nothing else. */
async function startBare(key, auth, redis) {
  const bare = Fastify({ logger: false });
  const deny = (reply) =>
    reply.code(401).send({ status: 401, code: 'invalid_token', detail: 'not authenticated' });
  const verifyOptions = {
    algorithms: ['HS256'],
    issuer: auth.jwtIssuer,
    audience: auth.jwtAudience,
    clockTolerance: 5,
  };
  bare.get('/me', async (request, reply) => {
    const authorization = request.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ')) return deny(reply);
    const token = authorization.slice(7);
    let header;
    try {
      header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
    } catch {
      return deny(reply);
    }
    if (header?.typ !== 'at+jwt' || header.alg !== 'HS256') return deny(reply);
    let payload;
    try {
      payload = jwt.verify(token, key, verifyOptions);
    } catch {
      return deny(reply);
    }
    const { sub, sid, role } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof role !== 'string') {
      return deny(reply);
    }
    const [revoked, state] = await redis.mget(`auth:session-revoked:${sid}`, `auth:user:${sub}`);
    if (revoked !== null || !state) return deny(reply);
    const user = JSON.parse(state);
    if (user.status !== 'active') return deny(reply);
    return {
      id: sub,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      permissions: [],
      createdAt: user.createdAt,
    };
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return bare;
}

const mid = (runs, field) => runs.reduce((sum, run) => sum + run[field], 0) / runs.length;
const round = (value, digits) => Number(value.toFixed(digits));
const row = (r) => ({
  'req/s': Math.round(r.rps),
  'p50 ms': round(r.p50ms, 2),
  'p99 ms': round(r.p99ms, 2),
  'server CPU µs/req': Math.round(r.cpuUsPerRequest),
  requests: r.requests,
  non2xx: r.non2xx,
  errors: r.errors,
});

/** Replaces this benchmark's section of RESULTS.md (in place), keeping the others; prettier-formatted. */
async function run() {
  const root = path.resolve(__dirname, '..');
  const dist = (file) => path.join(root, 'dist/apps/api', file);
  const { createApiApp } = require(dist('apps/api/src/bootstrap.js'));
  const { loadConfig, DEFAULTS } = require(dist('libs/config/src/index.js'));
  const { openOrm, migrateUp } = require(dist('libs/database/src/index.js'));
  const { JWT_SIGNING_KEY } = require(dist('libs/auth/src/index.js'));

  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const serverUrl = process.env.DATABASE_URL ?? DEFAULTS.DATABASE_URL;
  const databaseName = `docent_bench_${id}`;
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `docent-bench:${id}:`,
    // the throttler stays on (one Redis round trip per request, part of the real cost) with a
    // limit the load never reaches: the parser's maximum, per second
    RATE_LIMIT: '1000000/1s',
    DATABASE_URL: databaseUrl.toString(),
  });

  let app;
  let bare;
  let bareRedis;
  let databaseCreated = false;
  let bodyNote = '';
  const loadBefore = os.loadavg()[0];
  const measured = { bare: [], docent: [] };
  try {
    await adminQuery(serverUrl, `create database "${databaseName}"`);
    databaseCreated = true;
    const orm = await openOrm(config.database, []);
    try {
      await migrateUp(orm);
    } finally {
      await orm.close(true);
    }

    // request logs stay on at info (part of the cost) but go to /dev/null the way pino writes
    // to stdout in production: synchronously through sonic-boom
    app = await createApiApp({
      config,
      logStream: pino.destination({ dest: '/dev/null', sync: true }),
    });
    await app.listen(0, '127.0.0.1');
    const docentUrl = `http://127.0.0.1:${app.getHttpServer().address().port}/api/v1/auth/me`;

    const email = `bench-${id}@example.com`;
    const register = await globalThis.fetch(docentUrl.replace('/auth/me', '/auth/register'), {
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
    const headers = { authorization: `Bearer ${tokens.accessToken}` };

    // the very KeyObject the api verifies with
    const key = app.get(JWT_SIGNING_KEY, { strict: false });
    bareRedis = new Redis(config.redis.url, { keyPrefix: config.redis.keyPrefix });
    bare = await startBare(key, config.auth, bareRedis);
    const bareUrl = `http://127.0.0.1:${bare.server.address().port}/me`;

    // both answer 200 about the same caller before any load. Docent may answer more than the
    // bare route computes (the caller's permission rules once authorization fills them in): that
    // is noted in the results, not treated as a difference
    const [fromDocent, fromBare] = [
      await getJson(docentUrl, headers),
      await getJson(bareUrl, headers),
    ];
    const same = Object.keys(fromBare).every(
      (field) => field === 'permissions' || isDeepStrictEqual(fromDocent[field], fromBare[field]),
    );
    if (!same || fromBare.email !== email || !Array.isArray(fromDocent.permissions)) {
      throw new Error(
        `the two servers disagree: ${JSON.stringify(fromDocent)} vs ${JSON.stringify(fromBare)}`,
      );
    }
    const extra = [
      ...(fromDocent.permissions.length
        ? [`permissions (${fromDocent.permissions.length} rules)`]
        : []),
      ...Object.keys(fromDocent).filter((field) => !(field in fromBare)),
    ];
    bodyNote = extra.length
      ? `Docent's body also carries ${extra.join(', ')}, which the bare route does not compute (it answers \`permissions: []\`); that work is part of Docent's cost here.`
      : 'Both answer the same JSON body.';

    await load('bare fastify warm-up', bareUrl, WARMUP_S, headers);
    await load('docent api warm-up', docentUrl, WARMUP_S, headers);
    for (let i = 1; i <= RUNS; i += 1) {
      measured.bare.push(await load(`bare fastify run ${i}`, bareUrl, DURATION_S, headers));
      measured.docent.push(await load(`docent api run ${i}`, docentUrl, DURATION_S, headers));
    }
  } finally {
    if (app) await app.close();
    if (bare) await bare.close();
    if (bareRedis) await bareRedis.quit();
    await deleteKeys(config.redis.url, config.redis.keyPrefix);
    if (databaseCreated) {
      await adminQuery(serverUrl, `drop database if exists "${databaseName}" with (force)`);
    }
  }

  const rows = {};
  for (let i = 0; i < RUNS; i += 1) {
    rows[`bare fastify, run ${i + 1}`] = row(measured.bare[i]);
    rows[`docent api, run ${i + 1}`] = row(measured.docent[i]);
  }
  const summary = (runs) => ({
    rps: mid(runs, 'rps'),
    p50ms: mid(runs, 'p50ms'),
    p99ms: mid(runs, 'p99ms'),
    cpuUsPerRequest: mid(runs, 'cpuUsPerRequest'),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  });
  const bareSummary = summary(measured.bare);
  const docentSummary = summary(measured.docent);
  rows['bare fastify, median of 2'] = row(bareSummary);
  rows['docent api, median of 2'] = row(docentSummary);
  const ratios = {
    throughput: docentSummary.rps / bareSummary.rps,
    p50: docentSummary.p50ms / bareSummary.p50ms,
    p99: docentSummary.p99ms / bareSummary.p99ms,
    cpu: docentSummary.cpuUsPerRequest / bareSummary.cpuUsPerRequest,
  };
  const cores = os.availableParallelism();
  const loadAfter = os.loadavg()[0];
  const machine = `${cores} cores (nproc), ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;

  const table = [
    '| target | run | req/s (avg) | p50 ms | p99 ms | server CPU µs/req | requests | non-2xx | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(rows).map(([name, r]) => {
      const [target, runName] = name.split(', ');
      return `| ${target} | ${runName} | ${r['req/s']} | ${r['p50 ms']} | ${r['p99 ms']} | ${r['server CPU µs/req']} | ${r.requests} | ${r.non2xx} | ${r.errors} |`;
    }),
  ].join('\n');
  await writeResults(
    RESULTS_HEADING,
    [
      RESULTS_HEADING,
      '',
      `GET /api/v1/auth/me on the real api (JWT guard + one Redis MGET, Redis throttler, request`,
      `logging at info to /dev/null) vs a bare Fastify route doing the same JWT verification (same`,
      `KeyObject and options) and the same MGET. \`npm run bench -- auth\` (bench/auth-get.bench.js).`,
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine}`,
      `- load: autocannon ${require('autocannon/package.json').version} in a child process, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up per target, then ${RUNS} runs of ${DURATION_S} s alternating bare/docent; median of 2 = mean of the 2 runs`,
      `- the load generator, both servers (one process) and Redis share the ${cores} cores: compare the ratios, not the absolute numbers. Server CPU µs/req is the servers' process CPU time (process.cpuUsage) over the run divided by the requests served: it does not depend on the load generator's share of the machine`,
      `- 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after: the benchmark alone keeps about 2 to 3 runnable on 2 cores; much more means other processes competed and the numbers are noisier`,
      `- ${bodyNote}`,
      '',
      table,
      '',
      `docent/bare: throughput **${ratios.throughput.toFixed(2)}×**, p99 latency **${ratios.p99.toFixed(2)}×** (p50 ${ratios.p50.toFixed(2)}×), server CPU per request **${ratios.cpu.toFixed(2)}×**; every response was 200.`,
      '',
    ].join('\n'),
  );

  return {
    rows,
    summary:
      `docent/bare throughput ratio: ${ratios.throughput.toFixed(2)} (1.00 = no overhead); ` +
      `p99 latency ratio: ${ratios.p99.toFixed(2)}; p50 latency ratio: ${ratios.p50.toFixed(2)}; ` +
      `server CPU per request ratio: ${ratios.cpu.toFixed(2)}\n${bodyNote}\n` +
      `${CONNECTIONS} connections, ${DURATION_S} s per run; ${machine}; load generator in a ` +
      `child process sharing the cores. Written to bench/RESULTS.md.`,
  };
}

module.exports = {
  description:
    'authenticated GET: Docent api vs bare Fastify doing the same JWT verification and Redis check',
  run,
};
