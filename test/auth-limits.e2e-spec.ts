import { EntityManager } from '@mikro-orm/postgresql';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/bootstrap';
import { User } from '@docent/auth';
import { AuditEvent } from '@docent/audit';
import { testConfig } from './support/config';
import { freshDatabase } from './support/fresh-database';
import { waitFor } from './support/http';
import { newIdentity, type Stack, startStack } from './support/stack';

describe('brute-force protection', () => {
  describe('per-account lockout', () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack({
        LOGIN_LOCKOUT_THRESHOLD: '3',
        LOGIN_LOCKOUT_BASE: '2s',
        LOGIN_LOCKOUT_MAX: '1h',
      });
    });

    afterAll(async () => {
      await stack?.close();
    });

    it('locks after repeated failures, refuses even the right password with 429, and lifts after the interval', async () => {
      const identity = newIdentity();
      await stack.http.post('/api/v1/auth/register').send(identity).expect(201);
      const attempt = (password: string) =>
        stack.http.post('/api/v1/auth/login').send({ email: identity.email, password });

      for (let i = 0; i < 3; i += 1)
        expect((await attempt('wrong guess number one')).status).toBe(401);
      const locked = await attempt(identity.password);
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('account_locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(2);

      const events = await stack.api
        .get(EntityManager)
        .fork()
        .find(AuditEvent, { action: 'auth.lockout' }, { orderBy: { occurredAt: 'asc' } });
      expect(
        events.some(
          (e) => e.metadata.email === identity.email && e.metadata.lockedForSeconds === 2,
        ),
      ).toBe(true);

      // the lock lifts by itself
      await waitFor(async () => (await attempt(identity.password)).status === 200, 5000, 250);
    });

    it('doubles the lock for the next round of failures', async () => {
      const identity = newIdentity();
      await stack.http.post('/api/v1/auth/register').send(identity).expect(201);
      const attempt = (password: string) =>
        stack.http.post('/api/v1/auth/login').send({ email: identity.email, password });
      for (let i = 0; i < 3; i += 1) await attempt('wrong guess number one');
      expect((await attempt(identity.password)).status).toBe(429);
      await waitFor(
        async () =>
          (
            await stack.http
              .post('/api/v1/auth/login')
              .send({ email: identity.email, password: 'x wrong password here' })
          ).status === 401,
        5000,
        250,
      );
      // that wrong attempt counted; two more reach the threshold again
      for (let i = 0; i < 2; i += 1) await attempt('wrong guess number two');
      const again = await attempt(identity.password);
      expect(again.status).toBe(429);
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(2);
      expect(Number(again.headers['retry-after'])).toBeLessThanOrEqual(4);
    });

    it('locks unknown e-mails the same way, so lockout reveals nothing', async () => {
      const email = `ghost-${Date.now()}@docent.test`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        statuses.push(
          (
            await stack.http
              .post('/api/v1/auth/login')
              .send({ email, password: 'some password guess' })
          ).status,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    });
  });

  describe('rate limits across api instances', () => {
    it('shares the per-IP auth limit through Redis and answers 429 with Retry-After', async () => {
      // two api instances with the same configuration (the same Redis prefix), as behind a load balancer
      const config = testConfig({ RATE_LIMIT_AUTH: '4/1m', RATE_LIMIT: '1000/1m' });
      const apps = await Promise.all([createApiApp({ config }), createApiApp({ config })]);
      try {
        for (const app of apps) {
          await app.init();
          await app.getHttpAdapter().getInstance().ready();
        }
        const [a, b] = apps.map((app) => request(app.getHttpServer()));
        const body = { email: 'limit@docent.test', password: 'whatever it is here' };
        const statuses = [];
        for (let i = 0; i < 3; i += 1) {
          statuses.push((await a.post('/api/v1/auth/login').send(body)).status);
          statuses.push((await b.post('/api/v1/auth/login').send(body)).status);
        }
        expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
        expect(statuses.slice(4)).toEqual([429, 429]);
        const limited = await a.post('/api/v1/auth/login').send(body);
        expect(limited.status).toBe(429);
        expect(limited.body.code).toBe('rate_limited');
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
        // the stricter limit is only on auth routes; health is never limited
        await a.get('/health/live').expect(200);
      } finally {
        await Promise.all(apps.map((app) => app.close()));
      }
    });
  });

  describe('password hashing parameters', () => {
    it('rehashes on login when the configured cost rises', async () => {
      const base = testConfig();
      const identity = newIdentity();
      const weak = await createApiApp({ config: base });
      await weak.init();
      await weak.getHttpAdapter().getInstance().ready();
      await request(weak.getHttpServer()).post('/api/v1/auth/register').send(identity).expect(201);
      await weak.close();

      const stronger = await createApiApp({
        config: { ...base, auth: { ...base.auth, argon2: { ...base.auth.argon2, iterations: 3 } } },
      });
      try {
        await stronger.init();
        await stronger.getHttpAdapter().getInstance().ready();
        const em = stronger.get(EntityManager).fork();
        const before = (await em.findOneOrFail(User, { email: identity.email })).passwordHash;
        expect(before).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
        await request(stronger.getHttpServer())
          .post('/api/v1/auth/login')
          .send({ email: identity.email, password: identity.password })
          .expect(200);
        const after = (await em.fork().findOneOrFail(User, { email: identity.email })).passwordHash;
        expect(after).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
        await request(stronger.getHttpServer())
          .post('/api/v1/auth/login')
          .send({ email: identity.email, password: identity.password })
          .expect(200);
      } finally {
        await stronger.close();
      }
    });
  });

  describe('first administrator', () => {
    it('is created at start-up from ADMIN_EMAIL/ADMIN_PASSWORD only while no admin exists', async () => {
      const database = await freshDatabase();
      const boot = async (email: string) => {
        const app = await createApiApp({
          config: testConfig({
            DATABASE_URL: database.url,
            ADMIN_EMAIL: email,
            ADMIN_PASSWORD: 'a strong admin passphrase',
          }),
        });
        await app.init();
        await app.getHttpAdapter().getInstance().ready();
        return app;
      };
      try {
        const first = await boot('root@docent.test');
        const admins = () =>
          first
            .get(EntityManager)
            .fork()
            .find(User, { role: { name: 'admin' } }, { populate: ['role'] });
        try {
          expect((await admins()).map((u) => u.email)).toEqual(['root@docent.test']);
          const res = await request(first.getHttpServer())
            .post('/api/v1/auth/login')
            .send({ email: 'root@docent.test', password: 'a strong admin passphrase' })
            .expect(200);
          expect(res.body.user.role).toBe('admin');
          // a restart, or a second instance, with another address creates nobody
          const second = await boot('other@docent.test');
          await second.close();
          expect((await admins()).map((u) => u.email)).toEqual(['root@docent.test']);
        } finally {
          await first.close();
        }
      } finally {
        await database.drop();
      }
    });
  });
});
