// Socket fan-out: how the Docent api delivers events the worker emits through Redis to many
// connected, authenticated sockets, against a bare socket.io server with the same Redis adapter
// and nothing else (no Nest, no authentication), on the same machine in the same run.
//
// - the Docent api is the BUILT one (`npm run build`), started as its own process
//   (dist/apps/api/apps/api/src/main.js), so its RSS and CPU are its own;
// - BENCH_USERS users (registered through the api, each signed in twice: two sessions) hold
//   BENCH_SOCKETS sockets in all on `/notifications`, every handshake authenticated by the gateway
//   (JWT + the Redis revocation/status check);
// - events are emitted at a fixed rate (BENCH_RATE per second) with the worker's own code path:
//   RealtimeEmitter from the build (@socket.io/redis-emitter over the worker's Redis client),
//   `ingestion.progress` to the user rooms in turn, so every socket receives events. The payload
//   carries its send time; the clients (this process, same clock) record the delivery latency;
// - the baseline is a bare socket.io server (own process) with @socket.io/redis-adapter on the
//   same Redis, its sockets joined to the same rooms by a handshake field, fed by a bare
//   @socket.io/redis-emitter the same way;
// - every event must reach each socket of its user exactly once, or the benchmark fails.
//
// The bench creates its own PostgreSQL database (docent_bench_<id>, migrated, dropped at the end)
// and its own Redis key prefix (docent-bench:<id>:, deleted at the end).
//
//   npm run bench -- sockets    BENCH_SOCKETS (2000), BENCH_USERS (100), BENCH_RATE (50/s),
//                               BENCH_DURATION_S (15) per measured window: 2 per target,
//                               alternating, after a 3 s warm-up
//
// The results are written to bench/RESULTS.md (this benchmark's section is replaced).
const { spawn, execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { URL } = require('node:url');
const Redis = require('ioredis');
const { io } = require('socket.io-client');
const { Emitter } = require('@socket.io/redis-emitter');
const { startChild, stopChild, waitReady } = require('./processes.js');
const {
  adminQuery,
  deleteKeys,
  freePort,
  sleep,
  writeFigures,
  writeResults,
} = require('./support.js');

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 2000);
const USERS = Number(process.env.BENCH_USERS ?? 100);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const WARMUP_S = 3;
const RUNS = 2;
const CONNECT_CONCURRENCY = 50;
const RESULTS_HEADING = '## sockets: Socket fan-out, Docent api vs bare socket.io';

// The baseline server, in its own process: socket.io + the Redis adapter, nothing else.
const BARE_SCRIPT = `
const http = require('node:http');
const [socketIo, adapter, ioredis, redisUrl, key] = process.argv.slice(1);
const { Server } = require(socketIo);
const { createAdapter } = require(adapter);
const Redis = require(ioredis);
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const server = http.createServer();
const ioServer = new Server(server, { serveClient: false, adapter: createAdapter(pub, sub, { key }) });
const nsp = ioServer.of('/notifications');
nsp.use((socket, next) => {
  const user = socket.handshake.auth && socket.handshake.auth.user;
  if (typeof user !== 'string') return next(new Error('unauthorized'));
  socket.data.user = user;
  next();
});
nsp.on('connection', (socket) => socket.join('user:' + socket.data.user));
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
process.on('SIGTERM', () => ioServer.close(() => Promise.all([pub.quit(), sub.quit()]).then(() => process.exit(0))));
`;

const now = () => performance.timeOrigin + performance.now();

let ticksPerSecond;
const clockTicks = () =>
  (ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100);

/** RSS (bytes) and CPU time (µs) of a process, from /proc (Linux). */
function usage(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rss: rssKb * 1024, cpuUs: (ticks / clockTicks()) * 1e6 };
}

async function postJson(url, body) {
  const response = await globalThis.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (response.status >= 300) {
    throw new Error(`POST ${url} answered ${response.status}: ${JSON.stringify(json)}`);
  }
  return json;
}

/** Opens every socket (bounded concurrency); each records the latency of every event. */
async function connectAll(baseUrl, auths, sink) {
  const sockets = [];
  let next = 0;
  const started = now();
  async function one() {
    while (next < auths.length) {
      const { auth, userIndex } = auths[next];
      next += 1;
      const socket = io(`${baseUrl}/notifications`, {
        auth,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      socket.on('ingestion.progress', (payload) => sink(userIndex, payload, now()));
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', (error) =>
          reject(new Error(`socket refused: ${error.message} ${JSON.stringify(error.data ?? {})}`)),
        );
      });
      sockets.push(socket);
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, one));
  return { sockets, seconds: (now() - started) / 1000 };
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;

/** One target: its server process and every socket connected to it. */
async function connectTarget(label, { baseUrl, pid, auths, socketsPerUser, emit }) {
  const target = {
    label,
    pid,
    socketsPerUser,
    emit,
    /** seq → deliveries, for the events of the window being measured */
    deliveries: new Map(),
    latencies: [],
  };
  target.idle = usage(pid);
  const sink = (_userIndex, payload, receivedAt) => {
    if (payload.window !== target.window) return;
    target.latencies.push(receivedAt - payload.sentAt);
    target.deliveries.set(payload.progress, (target.deliveries.get(payload.progress) ?? 0) + 1);
  };
  const { sockets, seconds } = await connectAll(baseUrl, auths, sink);
  target.sockets = sockets;
  target.connectSeconds = seconds;
  await sleep(1000);
  target.connected = usage(pid);
  target.peakRss = target.connected.rss;
  return target;
}

let seq = 0;

/**
 * One window: events at RATE for `seconds` to the target's user rooms in turn; with `window` set,
 * every event must reach each socket of its user exactly once, and the latencies are kept.
 */
async function emitWindow(target, seconds, window) {
  target.window = window;
  target.deliveries = new Map();
  target.latencies = [];
  const interval = 1000 / RATE;
  const start = now();
  const end = start + seconds * 1000;
  const before = usage(target.pid);
  let tick = start;
  let sampleAt = start + 1000;
  let emitted = 0;
  while (tick < end) {
    seq += 1;
    const userIndex = seq % USERS;
    target.deliveries.set(seq, 0);
    target.emit(userIndex, {
      documentId: 'bench',
      status: 'processing',
      stage: 'bench',
      progress: seq,
      sentAt: now(),
      window,
    });
    emitted += 1;
    if (now() >= sampleAt) {
      target.peakRss = Math.max(target.peakRss, usage(target.pid).rss);
      sampleAt += 1000;
    }
    tick += interval;
    const wait = tick - now();
    if (wait > 0) await sleep(wait);
  }
  const elapsed = (now() - start) / 1000;
  const after = usage(target.pid);
  target.peakRss = Math.max(target.peakRss, after.rss);
  // let the last events arrive
  await sleep(2000);
  target.window = undefined;

  const bad = [...target.deliveries.entries()].filter(
    ([, count]) => count !== target.socketsPerUser,
  );
  if (bad.length > 0) {
    throw new Error(
      `${target.label}: ${bad.length} of ${target.deliveries.size} events did not reach each of the ${target.socketsPerUser} sockets of their user exactly once (e.g. event ${bad[0][0]}: ${bad[0][1]} deliveries). A benchmark of failures measures nothing.`,
    );
  }
  const sorted = Float64Array.from(target.latencies).sort();
  const delivered = sorted.length;
  return {
    emitted,
    eventsPerSecond: emitted / elapsed,
    deliveries: delivered,
    deliveriesPerSecond: delivered / elapsed,
    p50ms: percentile(sorted, 50),
    p99ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    cpuUsPerDelivery: (after.cpuUs - before.cpuUs) / Math.max(1, delivered),
    cpuPercent: ((after.cpuUs - before.cpuUs) / 1e6 / elapsed) * 100,
  };
}

/** Replaces this benchmark's section of RESULTS.md (in place), keeping the others; prettier-formatted. */
function fdLimit() {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
  } catch {
    return NaN;
  }
}

async function run() {
  if (SOCKETS % USERS !== 0 || SOCKETS / USERS < 2) {
    throw new Error('BENCH_SOCKETS must be a multiple of BENCH_USERS, at least 2 per user');
  }
  const limit = fdLimit();
  // this process holds every client socket, each server process every server socket
  if (Number.isFinite(limit) && limit < SOCKETS + 512) {
    throw new Error(
      `ulimit -n is ${limit}; ${SOCKETS} sockets need about ${SOCKETS + 512}: raise it (ulimit -n ${SOCKETS * 2}) and run again`,
    );
  }
  const socketsPerUser = SOCKETS / USERS;
  const root = path.resolve(__dirname, '..');
  const dist = (file) => path.join(root, 'dist/apps/api', file);
  const { loadConfig, DEFAULTS } = require(dist('libs/config/src/index.js'));
  const { openOrm, migrateUp } = require(dist('libs/database/src/index.js'));
  const { createRedisClient, closeRedisClient } = require(dist('libs/redis/src/index.js'));
  const { RealtimeEmitter } = require(dist('libs/notifications/src/index.js'));

  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  // the api's output, shown (its end) when it does not start
  const apiLog = path.join(os.tmpdir(), `docent-bench-sockets-${id}-api.log`);
  const serverUrl = process.env.DATABASE_URL ?? DEFAULTS.DATABASE_URL;
  const databaseName = `docent_bench_${id}`;
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `docent-bench:${id}:`,
    RATE_LIMIT: '1000000/1s',
    RATE_LIMIT_AUTH: '1000000/1s',
    SHUTDOWN_GRACE_PERIOD: '0',
    DATABASE_URL: databaseUrl.toString(),
  };
  const config = loadConfig({ ...env, PORT: '0' });

  let api;
  let bare;
  let workerRedis;
  let bareRedis;
  let databaseCreated = false;
  const loadBefore = os.loadavg()[0];
  const targets = [];
  const runs = { bare: [], docent: [] };
  try {
    await adminQuery(serverUrl, `create database "${databaseName}"`);
    databaseCreated = true;
    const orm = await openOrm(config.database, []);
    try {
      await migrateUp(orm);
    } finally {
      await orm.close(true);
    }

    // the built api, its own process, its logs in a temporary file (removed at the end)
    const port = await freePort();
    api = startChild(
      'api',
      path.join(root, 'dist/apps/api/apps/api/src/main.js'),
      { ...env, PORT: String(port) },
      apiLog,
      root,
    );
    const apiUrl = `http://127.0.0.1:${port}`;
    await waitReady(api, `${apiUrl}/health/live`, 120_000);

    // users, each signed in twice (two sessions), sockets spread over both sessions
    const users = [];
    for (let i = 0; i < USERS; i += 1) {
      const identity = {
        email: `bench-${id}-${i}@example.com`,
        password: `bench passphrase ${randomBytes(12).toString('hex')}`,
        displayName: `Bench ${i}`,
      };
      const registered = await postJson(`${apiUrl}/api/v1/auth/register`, identity);
      const second = await postJson(`${apiUrl}/api/v1/auth/login`, {
        email: identity.email,
        password: identity.password,
      });
      users.push({
        id: registered.user.id,
        tokens: [registered.accessToken, second.accessToken],
      });
    }
    const auths = (make) =>
      Array.from({ length: SOCKETS }, (_, i) => {
        const userIndex = i % USERS;
        return { auth: make(users[userIndex], Math.floor(i / USERS)), userIndex };
      });

    // the worker's emitter, from the build, on a client like the worker's REDIS_CLIENT
    workerRedis = createRedisClient(config.redis, { name: 'bench-worker' });
    const realtime = new RealtimeEmitter(workerRedis, { getOrThrow: () => config.redis });
    const docent = await connectTarget('docent api', {
      baseUrl: apiUrl,
      pid: api.pid,
      auths: auths((user, n) => ({ token: user.tokens[n % 2] })),
      socketsPerUser,
      emit: (userIndex, payload) =>
        realtime.toUser(users[userIndex].id, 'ingestion.progress', payload),
    });
    targets.push(docent);
    // the api's own count agrees
    const metrics = await (await globalThis.fetch(`${apiUrl}/metrics`)).text();
    const gauge = Number(/^socket_connections\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
    if (gauge !== SOCKETS) throw new Error(`socket_connections is ${gauge}, not ${SOCKETS}`);

    // the baseline: same Redis, its own key
    const bareKey = `${config.redis.keyPrefix}bare-socket.io`;
    bare = spawn(
      process.execPath,
      [
        '-e',
        BARE_SCRIPT,
        require.resolve('socket.io'),
        require.resolve('@socket.io/redis-adapter'),
        require.resolve('ioredis'),
        config.redis.url,
        bareKey,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const barePort = await new Promise((resolve, reject) => {
      let out = '';
      bare.stdout.setEncoding('utf8');
      bare.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).port);
      });
      bare.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
    });
    bareRedis = new Redis(config.redis.url);
    const bareEmitter = new Emitter(bareRedis, { key: bareKey }).of('/notifications');
    const baseline = await connectTarget('bare socket.io', {
      baseUrl: `http://127.0.0.1:${barePort}`,
      pid: bare.pid,
      auths: auths((user) => ({ user: user.id })),
      socketsPerUser,
      emit: (userIndex, payload) =>
        bareEmitter.to(`user:${users[userIndex].id}`).emit('ingestion.progress', payload),
    });
    targets.push(baseline);

    // both stay connected; the measured windows alternate, so both see the same machine
    await emitWindow(baseline, WARMUP_S, undefined);
    await emitWindow(docent, WARMUP_S, undefined);
    for (let i = 1; i <= RUNS; i += 1) {
      runs.bare.push(await emitWindow(baseline, DURATION_S, `bare-${i}`));
      runs.docent.push(await emitWindow(docent, DURATION_S, `docent-${i}`));
    }
  } finally {
    for (const target of targets) for (const socket of target.sockets) socket.close();
    await stopChild(api, 10_000);
    await stopChild(bare, 10_000);
    rmSync(apiLog, { force: true });
    if (workerRedis) await closeRedisClient(workerRedis);
    if (bareRedis) await bareRedis.quit();
    await deleteKeys(config.redis.url, config.redis.keyPrefix);
    if (databaseCreated) {
      await adminQuery(serverUrl, `drop database if exists "${databaseName}" with (force)`);
    }
  }

  const cores = os.availableParallelism();
  const loadAfter = os.loadavg()[0];
  const machine = `${cores} cores (nproc), ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
  const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
  const mean = (list, field) => list.reduce((sum, r) => sum + r[field], 0) / list.length;
  const summarize = (list) => ({
    eventsPerSecond: mean(list, 'eventsPerSecond'),
    deliveriesPerSecond: mean(list, 'deliveriesPerSecond'),
    p50ms: mean(list, 'p50ms'),
    p99ms: mean(list, 'p99ms'),
    maxMs: Math.max(...list.map((r) => r.maxMs)),
    cpuUsPerDelivery: mean(list, 'cpuUsPerDelivery'),
    cpuPercent: mean(list, 'cpuPercent'),
  });
  const [docent, baseline] = targets;
  const memory = (target) => ({
    connectSeconds: target.connectSeconds,
    idleRssMb: target.idle.rss / 2 ** 20,
    connectedRssMb: target.connected.rss / 2 ** 20,
    peakRssMb: target.peakRss / 2 ** 20,
    perSocketKb: (target.connected.rss - target.idle.rss) / 1024 / SOCKETS,
  });
  const row = (r, m) => ({
    'events/s': Number(fixed(r.eventsPerSecond, 1)),
    'deliveries/s': Math.round(r.deliveriesPerSecond),
    'p50 ms': Number(fixed(r.p50ms, 2)),
    'p99 ms': Number(fixed(r.p99ms, 2)),
    'max ms': Number(fixed(r.maxMs, 1)),
    'server CPU µs/delivery': Number(fixed(r.cpuUsPerDelivery, 1)),
    'server CPU %': Number(fixed(r.cpuPercent, 1)),
    ...(m
      ? {
          'connect s': Number(fixed(m.connectSeconds, 1)),
          'RSS idle MB': Math.round(m.idleRssMb),
          'RSS connected MB': Math.round(m.connectedRssMb),
          'RSS peak MB': Math.round(m.peakRssMb),
          'KB/socket': Number(fixed(m.perSocketKb, 1)),
        }
      : {}),
  });
  const rows = {};
  for (let i = 0; i < RUNS; i += 1) {
    rows[`bare socket.io, run ${i + 1}`] = row(runs.bare[i]);
    rows[`docent api, run ${i + 1}`] = row(runs.docent[i]);
  }
  const b = { ...summarize(runs.bare), ...memory(baseline) };
  const d = { ...summarize(runs.docent), ...memory(docent) };
  rows[`bare socket.io, mean of ${RUNS}`] = row(b, b);
  rows[`docent api, mean of ${RUNS}`] = row(d, d);
  const ratios = {
    p50: d.p50ms / b.p50ms,
    p99: d.p99ms / b.p99ms,
    rss: d.connectedRssMb / b.connectedRssMb,
    perSocket: d.perSocketKb / b.perSocketKb,
    cpu: d.cpuUsPerDelivery / b.cpuUsPerDelivery,
    connect: d.connectSeconds / b.connectSeconds,
  };
  const columns = Object.keys(rows[`docent api, mean of ${RUNS}`]);
  const table = [
    `| target | run | ${columns.join(' | ')} |`,
    `|---|---|${columns.map(() => '---:').join('|')}|`,
    ...Object.entries(rows).map(([name, r]) => {
      const [target, runName] = name.split(', ');
      return `| ${target} | ${runName} | ${columns.map((column) => r[column] ?? '').join(' | ')} |`;
    }),
  ].join('\n');
  await writeResults(
    RESULTS_HEADING,
    [
      RESULTS_HEADING,
      '',
      `${SOCKETS} connected sockets on one server process (${USERS} users × 2 sessions, ${socketsPerUser}`,
      `sockets per user); \`ingestion.progress\` emitted through Redis at ${RATE}/s to the user rooms in`,
      `turn (each event reaches the ${socketsPerUser} sockets of one user). Docent: the built api`,
      `(\`dist/.../main.js\`, its own process; every handshake authenticated: JWT + Redis session/user`,
      `check, then the unread count), events from the worker's \`RealtimeEmitter\`. Baseline: a bare`,
      `socket.io server (own process) with the same \`@socket.io/redis-adapter\`, rooms joined from a`,
      `handshake field, fed by a bare \`@socket.io/redis-emitter\`. \`npm run bench -- sockets\``,
      `(bench/sockets.bench.js).`,
      '',
      `- date: ${new Date().toISOString()}`,
      `- machine: ${machine}; \`ulimit -n\` ${limit}`,
      `- run: both servers up with ${SOCKETS} sockets each (the api's \`socket_connections\` gauge read ${SOCKETS}); ${WARMUP_S} s warm-up per target, then ${RUNS} windows of ${DURATION_S} s alternating bare/docent; every measured event reached each socket of its user exactly once (checked)`,
      `- latency: emit (send time in the payload) → the client's handler; all clients live in the benchmark process (same clock). The clients, both servers, Redis and the emitter share the ${cores} cores: compare the ratios, not the absolute numbers`,
      `- RSS and CPU of the server process from /proc: idle = before any socket, connected = all sockets open before the load, peak = sampled each second under load; KB/socket = (connected − idle) / sockets; CPU per delivery = server CPU time in the window / deliveries`,
      `- 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (on ${cores} cores: well above ${cores} means other processes competed, and the latencies, p99 first, are noisier)`,
      '',
      table,
      '',
      `docent/bare: p50 latency **${fixed(ratios.p50, 2)}×**, p99 **${fixed(ratios.p99, 2)}×**; RSS with ${SOCKETS} sockets **${fixed(ratios.rss, 2)}×** (${fixed(d.connectedRssMb, 0)} vs ${fixed(b.connectedRssMb, 0)} MB; per socket ${fixed(ratios.perSocket, 2)}×); server CPU per delivery **${fixed(ratios.cpu, 2)}×**; connecting all sockets took ${fixed(ratios.connect, 2)}× as long (authentication included).`,
      '',
    ].join('\n'),
  );
  await writeFigures('sockets', {
    p50Ratio: ratios.p50,
    p99Ratio: ratios.p99,
    rssRatio: ratios.rss,
    cpuPerDeliveryRatio: ratios.cpu,
    connectRatio: ratios.connect,
    sockets: SOCKETS,
    eventsPerSecond: RATE,
  });
  return {
    rows,
    summary:
      `docent/bare: p50 ${fixed(ratios.p50, 2)}×, p99 ${fixed(ratios.p99, 2)}×, RSS ${fixed(ratios.rss, 2)}×, ` +
      `CPU/delivery ${fixed(ratios.cpu, 2)}×, connect ${fixed(ratios.connect, 2)}×; ${SOCKETS} sockets, ` +
      `${RATE} events/s, ${RUNS} × ${DURATION_S} s each; ${machine}. Written to bench/RESULTS.md.`,
  };
}

module.exports = {
  description:
    'socket fan-out: events through Redis to 2,000 authenticated sockets, Docent api vs bare socket.io',
  run,
};
