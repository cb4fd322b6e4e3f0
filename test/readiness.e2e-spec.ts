import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/bootstrap';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import { testConfig } from './support/config';
import { waitFor } from './support/http';
import { TcpProxy } from './support/tcp-proxy';

/**
 * Dependencies going away and coming back, seen through a TCP proxy in front of the real
 * PostgreSQL and Redis: readiness must turn 503 quickly, liveness must stay 200, the process
 * must survive, and readiness must recover without a restart.
 */
describe.each([
  { name: 'api', create: createApiApp },
  { name: 'worker', create: createWorkerApp },
])('$name readiness when a dependency goes down and comes back', ({ create }) => {
  let app: NestFastifyApplication;
  let http: ReturnType<typeof request>;
  let pg: TcpProxy;
  let redis: TcpProxy;

  beforeAll(async () => {
    pg = TcpProxy.forUrl(process.env.DOCENT_TEST_DATABASE_URL as string, 5432);
    redis = TcpProxy.forUrl(process.env.DOCENT_TEST_REDIS_URL as string, 6379);
    await pg.start();
    await redis.start();
    app = await create({
      config: testConfig({
        DATABASE_URL: pg.urlFor(process.env.DOCENT_TEST_DATABASE_URL as string),
        REDIS_URL: redis.urlFor(process.env.DOCENT_TEST_REDIS_URL as string),
        DATABASE_CONNECT_TIMEOUT: '1s',
      }),
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    http = request(app.getHttpServer());
    await http.get('/health/ready').expect(200);
  });

  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await pg.start().catch(() => undefined);
    await app?.close();
    await pg.stop();
    await redis.stop();
  });

  const ready = () => http.get('/health/ready');

  it('reports Redis down within 2 s, stays live, and recovers when Redis returns', async () => {
    await redis.stop();
    const started = Date.now();
    const res = await ready();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('dependency_unavailable');
    expect(res.body.checks.redis.status).toBe('down');
    expect(res.body.checks.queue.status).toBe('down');
    expect(res.body.checks.database.status).toBe('up');
    expect(res.headers['retry-after']).toBeDefined();
    await http.get('/health/live').expect(200);
    // metrics still answer (queue gauges are skipped, not fatal)
    await http.get('/metrics').expect(200);

    await redis.start();
    await waitFor(async () => (await ready()).status === 200, 10_000);
  });

  it('reports PostgreSQL down within 2 s, stays live, and recovers when PostgreSQL returns', async () => {
    await pg.stop();
    const started = Date.now();
    const res = await ready();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(res.body.checks.database.status).toBe('down');
    expect(res.body.checks.redis.status).toBe('up');
    await http.get('/health/live').expect(200);

    await pg.start();
    await waitFor(async () => (await ready()).status === 200, 10_000);
  });
});
