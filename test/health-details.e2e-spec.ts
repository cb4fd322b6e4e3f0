import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import { testConfig } from './support/config';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';

const DATABASE_URL = () => process.env.DOCENT_TEST_DATABASE_URL as string;

/** Everything `/health/ready` may show: the overall status and up/down per dependency. */
function expectOnlyUpDown(checks: Record<string, unknown>): void {
  for (const check of Object.values(checks)) {
    expect(check).toEqual({ status: expect.stringMatching(/^(up|down)$/) });
  }
}

describe('readiness details: public up/down, details for operators', () => {
  let stack: Stack;
  let pg: TcpProxy;
  let admin: SignedUp;
  let member: SignedUp;

  beforeAll(async () => {
    pg = TcpProxy.forUrl(DATABASE_URL(), 5432);
    await pg.start();
    stack = await startStack({
      DATABASE_URL: pg.urlFor(DATABASE_URL()),
      DATABASE_CONNECT_TIMEOUT: '1s',
    });
    // Nest buffers its own log lines until listen(), which tests do not call
    stack.api.flushLogs();
    admin = await signUp(stack, { role: 'admin' });
    member = await signUp(stack);
  });

  afterAll(async () => {
    await pg.start().catch(() => undefined);
    await stack?.close();
    await pg.stop();
  });

  const linesMatching = (text: string) =>
    stack.logs.filter((line) => line.includes(text)).map((line) => JSON.parse(line));

  it('shows the public only up/down, and administrators the details', async () => {
    const ready = await stack.http.get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
    expect(Object.keys(ready.body.details).sort()).toEqual([
      'database',
      'queue',
      'redis',
      'storage',
    ]);
    expectOnlyUpDown(ready.body.details);
    expectOnlyUpDown(ready.body.info);

    const details = await stack.http
      .get('/api/v1/admin/health')
      .set(bearer(admin.token))
      .expect(200);
    expect(details.body).toMatchObject({
      status: 'ok',
      checkedAt: expect.any(String),
      checks: {
        database: { status: 'up', latencyMs: expect.any(Number) },
        redis: { status: 'up', latencyMs: expect.any(Number) },
        queue: { status: 'up', ingestion: { status: 'up', waiting: expect.any(Number) } },
        storage: { status: 'up' },
      },
    });

    expect((await stack.http.get('/api/v1/admin/health').set(bearer(member.token))).status).toBe(
      403,
    );
    expect((await stack.http.get('/api/v1/admin/health')).status).toBe(401);
  });

  it('logs a dependency going down once, keeps its message out of /health/ready, and logs it coming back', async () => {
    await pg.stop();
    for (let probe = 0; probe < 3; probe += 1) {
      const res = await stack.http.get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('dependency_unavailable');
      expect(res.body.checks.database).toEqual({ status: 'down' });
      expectOnlyUpDown(res.body.checks);
      expect(res.text).not.toMatch(/ECONNREFUSED|5432|127\.0\.0\.1|timeout|did not answer/i);
    }
    const down = linesMatching('readiness: database is down');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ check: 'database', details: { status: 'down' } });
    expect(typeof down[0].details.message).toBe('string');

    // the admin still sees why (authentication and the admin's rules come from Redis)
    const details = await stack.http
      .get('/api/v1/admin/health')
      .set(bearer(admin.token))
      .expect(200);
    expect(details.body.status).toBe('error');
    expect(details.body.checks.database).toMatchObject({
      status: 'down',
      message: expect.any(String),
    });
    expect(details.body.checks.redis.status).toBe('up');

    await pg.start();
    await waitFor(async () => (await stack.http.get('/health/ready')).status === 200, 15_000);
    await stack.http.get('/health/ready').expect(200);
    expect(linesMatching('readiness: database is up again')).toHaveLength(1);
    expect(linesMatching('readiness: database is down')).toHaveLength(1);
    // nothing is logged for the healthy dependencies, before or after
    expect(linesMatching('readiness: redis')).toHaveLength(0);
  });
});

describe('worker readiness', () => {
  let worker: NestFastifyApplication;

  beforeAll(async () => {
    worker = await createWorkerApp({ config: testConfig() });
    await worker.init();
    await worker.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await worker?.close();
  });

  it('shows only up/down per dependency too', async () => {
    const res = await request(worker.getHttpServer()).get('/health/ready').expect(200);
    expect(Object.keys(res.body.details).sort()).toEqual(['database', 'queue', 'redis', 'storage']);
    expectOnlyUpDown(res.body.details);
  });
});
