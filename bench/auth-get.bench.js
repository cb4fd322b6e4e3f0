// What the hot routes cost in Docent: GET /api/v1/auth/me (global JWT guard, one Redis round trip
// for revocation and the caller's state, the Redis-backed throttler, the caller's permission rules,
// request logging) and GET /health/live (the request pipeline alone), on the real api, each
// against a bare Fastify server doing the same work (see startBare).
//
// The bench creates its own PostgreSQL database (docent_bench_<id>, migrated, dropped at the end)
// and its own Redis key prefix (docent-bench:<id>:, deleted at the end): it never touches
// development data. The load comes from autocannon in a child process, so the load generator does
// not share the servers' event loop (it still shares the machine's cores with them and Redis).
//
//   npm run bench -- auth          both routes; BENCH_DURATION_S (default 10) per run,
//                                  BENCH_CONNECTIONS (50); BENCH_PROFILE=1 adds a CPU profile of
//                                  one more run per route and target (bench/profiling.js)
//   npm run bench -- http          /health/live only
//
// The results are written to bench/RESULTS.md (this benchmark's section is replaced) and
// bench/results.json.
const { Buffer } = require('node:buffer');
const { randomBytes } = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { URL } = require('node:url');
const { isDeepStrictEqual } = require('node:util');
const Redis = require('ioredis');
const jwt = require('jsonwebtoken');
const pino = require('pino');
const { bareServer } = require('./bare-support.js');
const { loadInChild } = require('./processes.js');
const profiling = require('./profiling.js');
const { adminQuery, deleteKeys, writeFigures, writeResults } = require('./support.js');

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 3;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RUNS = 2;
const RESULTS_HEADING = '## auth: hot routes, Docent api vs bare Fastify doing the same work';

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

/**
 * The same-work baseline: a bare Fastify server doing what a careful hand-written service would
 * do for the same two routes, with the same libraries and the same Redis state:
 *
 *   GET /me            the checks of libs/auth/src/tokens/access-token.verifier.ts (header, HS256
 *                      signature with the same KeyObject and options, claims), the same MGET of
 *                      revocation, user state, session owner and role version, the throttler's
 *                      script, the caller's permission rules (both forms) from an in-process
 *                      cache, and Docent's exact body
 *   GET /health/live   the same JSON
 *
 * and around both what bench/bare-support.js describes (headers, histogram, request log line).
 */
async function startBare({ key, auth, redis, permissionsOf, logStream, corsOrigins }) {
  const { app: bare, throttle } = bareServer({ redis, logStream, corsOrigins });
  const deny = (reply) =>
    reply.code(401).send({ status: 401, code: 'invalid_token', detail: 'not authenticated' });
  const verifyOptions = {
    algorithms: ['HS256'],
    issuer: auth.jwtIssuer,
    audience: auth.jwtAudience,
    clockTolerance: 5,
  };
  bare.get('/health/live', async () => ({ status: 'ok', uptimeSeconds: 1 }));
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
    const [revoked, state, owner] = await redis.mget(
      `auth:session-revoked:${sid}`,
      `auth:user:${sub}`,
      `auth:session-owner:${sid}`,
      `authz:role-version:${role}`,
    );
    if (revoked !== null || !state || owner !== sub) return deny(reply);
    const user = JSON.parse(state);
    if (user.status !== 'active') return deny(reply);
    if (!(await throttle('me', sub))) return reply.code(429).send({ status: 429 });
    return {
      id: sub,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      ...permissionsOf(user.role, sub),
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

const ROUTES = {
  me: { label: 'GET /api/v1/auth/me', docentPath: '/api/v1/auth/me', barePath: '/me' },
  live: { label: 'GET /health/live', docentPath: '/health/live', barePath: '/health/live' },
};

async function run(options = {}) {
  const routes = options.routes ?? ['me', 'live'];
  const heading = options.heading ?? RESULTS_HEADING;
  const figuresName = options.figures ?? 'auth';
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
    // the throttler stays on (part of the real cost) with a limit the load never reaches: the
    // parser's maximum, per second
    RATE_LIMIT: '1000000/1s',
    DATABASE_URL: databaseUrl.toString(),
  });

  let app;
  let bare;
  let bareRedis;
  let databaseCreated = false;
  const loadBefore = os.loadavg()[0];
  const measured = Object.fromEntries(routes.map((name) => [name, { bare: [], docent: [] }]));
  const profiles = [];
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
    const logStream = pino.destination({ dest: '/dev/null', sync: true });
    app = await createApiApp({ config, logStream });
    await app.listen(0, '127.0.0.1');
    const docentBase = `http://127.0.0.1:${app.getHttpServer().address().port}`;

    const email = `bench-${id}@example.com`;
    const register = await globalThis.fetch(`${docentBase}/api/v1/auth/register`, {
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
    const fromDocent = await getJson(`${docentBase}/api/v1/auth/me`, headers);

    // the very KeyObject the api verifies with; the role's rules as Docent answers them, held
    // in-process the way a hand-written service would cache them
    const key = app.get(JWT_SIGNING_KEY, { strict: false });
    bareRedis = new Redis(config.redis.url, { keyPrefix: config.redis.keyPrefix });
    const rulesByCaller = new Map([
      [
        `${fromDocent.role}:${fromDocent.id}`,
        { permissions: fromDocent.permissions, packedRules: fromDocent.packedRules },
      ],
    ]);
    bare = await startBare({
      key,
      auth: config.auth,
      redis: bareRedis,
      corsOrigins: config.app.corsOrigins,
      permissionsOf: (role, userId) =>
        rulesByCaller.get(`${role}:${userId}`) ?? { permissions: [], packedRules: [] },
      logStream,
    });
    const bareBase = `http://127.0.0.1:${bare.server.address().port}`;

    // both answer the same body about the same caller before any load
    const fromBare = await getJson(`${bareBase}/me`, headers);
    if (!isDeepStrictEqual(fromDocent, fromBare) || fromBare.email !== email) {
      throw new Error(
        `the two servers disagree: ${JSON.stringify(fromDocent)} vs ${JSON.stringify(fromBare)}`,
      );
    }

    for (const name of routes) {
      const route = ROUTES[name];
      const bareUrl = `${bareBase}${route.barePath}`;
      const docentUrl = `${docentBase}${route.docentPath}`;
      await load(`bare ${name} warm-up`, bareUrl, WARMUP_S, headers);
      await load(`docent ${name} warm-up`, docentUrl, WARMUP_S, headers);
      for (let i = 1; i <= RUNS; i += 1) {
        measured[name].bare.push(await load(`bare ${name} run ${i}`, bareUrl, DURATION_S, headers));
        measured[name].docent.push(
          await load(`docent ${name} run ${i}`, docentUrl, DURATION_S, headers),
        );
      }
      if (profiling.enabled()) {
        for (const [target, url] of [
          ['docent', docentUrl],
          ['bare', bareUrl],
        ]) {
          const { profile, file } = await profiling.profiled(`${name}-${target}`, () =>
            load(`${target} ${name} profiled`, url, DURATION_S, headers),
          );
          profiles.push({ name, target, file, markdown: profiling.topFramesMarkdown(profile) });
        }
      }
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

  const summary = (runs) => ({
    rps: mid(runs, 'rps'),
    p50ms: mid(runs, 'p50ms'),
    p99ms: mid(runs, 'p99ms'),
    cpuUsPerRequest: mid(runs, 'cpuUsPerRequest'),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  });
  const rows = {};
  const ratios = {};
  const figures = {};
  for (const name of routes) {
    for (let i = 0; i < RUNS; i += 1) {
      rows[`${name}, bare fastify, run ${i + 1}`] = row(measured[name].bare[i]);
      rows[`${name}, docent api, run ${i + 1}`] = row(measured[name].docent[i]);
    }
    const bareSummary = summary(measured[name].bare);
    const docentSummary = summary(measured[name].docent);
    rows[`${name}, bare fastify, mean of ${RUNS}`] = row(bareSummary);
    rows[`${name}, docent api, mean of ${RUNS}`] = row(docentSummary);
    ratios[name] = {
      throughput: docentSummary.rps / bareSummary.rps,
      p50: docentSummary.p50ms / bareSummary.p50ms,
      p99: docentSummary.p99ms / bareSummary.p99ms,
      cpu: docentSummary.cpuUsPerRequest / bareSummary.cpuUsPerRequest,
    };
    Object.assign(figures, {
      [`${name}.throughputRatio`]: ratios[name].throughput,
      [`${name}.cpuPerRequestRatio`]: ratios[name].cpu,
      [`${name}.p99Ratio`]: ratios[name].p99,
      [`${name}.docentRps`]: docentSummary.rps,
      [`${name}.bareRps`]: bareSummary.rps,
      [`${name}.docentCpuUsPerRequest`]: docentSummary.cpuUsPerRequest,
      [`${name}.bareCpuUsPerRequest`]: bareSummary.cpuUsPerRequest,
    });
  }
  const cores = os.availableParallelism();
  const loadAfter = os.loadavg()[0];
  const machine = `${cores} cores (nproc), ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;

  const table = [
    '| route | target | run | req/s (avg) | p50 ms | p99 ms | server CPU µs/req | requests | non-2xx | errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(rows).map(([name, r]) => {
      const [route, target, runName] = name.split(', ');
      return `| ${ROUTES[route].label} | ${target} | ${runName} | ${r['req/s']} | ${r['p50 ms']} | ${r['p99 ms']} | ${r['server CPU µs/req']} | ${r.requests} | ${r.non2xx} | ${r.errors} |`;
    }),
  ].join('\n');
  const verdicts = routes.map(
    (name) =>
      `${ROUTES[name].label}: docent/bare throughput **${ratios[name].throughput.toFixed(2)}×**, p99 latency ${ratios[name].p99.toFixed(2)}× (p50 ${ratios[name].p50.toFixed(2)}×), server CPU per request ${ratios[name].cpu.toFixed(2)}×.`,
  );
  await writeResults(
    heading,
    [
      heading,
      '',
      'The hot routes on the real api (global guards, Redis-backed throttler, request logging at',
      'info to /dev/null, metrics, security headers) against a bare Fastify server doing the same',
      'work for the same routes: the same JWT verification (same KeyObject and options), the same',
      'Redis MGET, the same throttler script, the same request log line, latency histogram and',
      'headers, and the byte-identical `/me` body (permission rules included, from an in-process',
      `cache). \`npm run bench -- ${figuresName}\` (bench/auth-get.bench.js).`,
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine}`,
      `- load: autocannon ${require('autocannon/package.json').version} in a child process, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up per target, then ${RUNS} runs of ${DURATION_S} s alternating bare/docent per route`,
      `- the load generator, both servers (one process) and Redis share the ${cores} cores: compare the ratios, not the absolute numbers. Server CPU µs/req is the servers' process CPU time (process.cpuUsage) over the run divided by the requests served: it does not depend on the load generator's share of the machine`,
      `- 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after: the benchmark alone keeps about 2 to 3 runnable on 2 cores; much more means other processes competed and the numbers are noisier`,
      '',
      table,
      '',
      ...verdicts.flatMap((line) => [line, '']),
      'Every response was 2xx (a run with any other answer fails the benchmark).',
      '',
    ].join('\n'),
  );
  await writeFigures(figuresName, figures);
  for (const profile of profiles) {
    console.log(`\n### profile: ${profile.name}, ${profile.target} (${profile.file})\n`);
    console.log(profile.markdown);
  }

  return {
    rows,
    summary: `${verdicts.join('\n')}\n${CONNECTIONS} connections, ${DURATION_S} s per run; ${machine}. Written to bench/RESULTS.md and bench/results.json.`,
  };
}

module.exports = {
  description:
    'hot routes (/auth/me, /health/live): Docent api vs bare Fastify doing the same work',
  run,
};
