// What the Docent HTTP pipeline costs per request: the api's /health/live (helmet, request id,
// CLS context, pino request logging, metrics hooks, CORS, validation/filter plumbing) against a
// bare Fastify server answering the same JSON, both measured here with the same client.
const http = require('node:http');
const path = require('node:path');
const Fastify = require('fastify');

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

/** Closed-loop load: CONNECTIONS keep-alive clients, each sending the next request on reply. */
async function load(port, urlPath) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  let errors = 0;
  const deadline = Date.now() + DURATION_MS;
  const one = () =>
    new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) errors += 1;
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
    });
  const client = async () => {
    while (Date.now() < deadline) await one();
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, client));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    requests: latencies.length,
    rps: Math.round(latencies.length / (DURATION_MS / 1000)),
    p50ms: Number(pct(50).toFixed(3)),
    p99ms: Number(pct(99).toFixed(3)),
    errors,
  };
}

async function run() {
  const root = path.resolve(__dirname, '..');
  const { createApiApp } = require(path.join(root, 'dist/apps/api/apps/api/src/bootstrap.js'));
  const { loadConfig } = require(path.join(root, 'dist/apps/api/libs/config/src/index.js'));

  const bare = Fastify({ logger: false });
  bare.get('/health/live', async () => ({ status: 'ok', uptimeSeconds: 1 }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const barePort = bare.server.address().port;

  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  const app = await createApiApp({ config });
  // request logs would go to stdout: send them nowhere but keep them enabled (they are part of the cost)
  const devNull = require('node:fs').createWriteStream('/dev/null');
  process.stdout.write = devNull.write.bind(devNull);
  await app.listen(0, '127.0.0.1');
  const appPort = app.getHttpServer().address().port;

  // warm up both, then measure alternately to spread machine noise
  await load(barePort, '/health/live');
  await load(appPort, '/health/live');
  const baseline = await load(barePort, '/health/live');
  const docent = await load(appPort, '/health/live');

  await app.close();
  await bare.close();
  delete process.stdout.write;

  return {
    rows: { 'bare fastify': baseline, 'docent api': docent },
    summary: `docent/bare throughput ratio: ${(docent.rps / baseline.rps).toFixed(2)} (1.00 = no overhead); p50 latency ratio: ${(docent.p50ms / baseline.p50ms).toFixed(2)}`,
  };
}

module.exports = { description: 'HTTP pipeline overhead vs bare Fastify', run };
