import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import Redis from 'ioredis';
import jwt from 'jsonwebtoken';
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/bootstrap';
import { AuditEvent } from '@docent/audit';
import { AccountService, AUTH_PURGE_EVERY_MS, AuthPurge, LoginLockout } from '@docent/auth';
import { JOBS, MaintenanceTasks, QUEUES } from '@docent/queue';
import Bull from 'bull';
import { testConfig } from './support/config';
import { waitFor } from './support/http';
import { connected, listen, openSocket, refused, type TestSocket } from './support/socket';
import { TcpProxy } from './support/tcp-proxy';
import { bearer, newIdentity, type Stack, startStack } from './support/stack';

interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

const THRESHOLD = 5;

describe('auth hardening (issue 12)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(
      {
        LOGIN_LOCKOUT_THRESHOLD: String(THRESHOLD),
        LOGIN_LOCKOUT_BASE: '1m',
        LOGIN_LOCKOUT_MAX: '1h',
        // no reuse grace: a replay right after the purge is theft at once
        JWT_REFRESH_REUSE_GRACE: '0',
      },
      { worker: true },
    );
  });

  afterAll(async () => {
    await stack?.close();
  });

  const em = () => stack.api.get(EntityManager).fork();

  async function register(identity = newIdentity('hard')): Promise<Tokens & { password: string }> {
    const res = await stack.http.post('/api/v1/auth/register').send(identity).expect(201);
    return { ...(res.body as Tokens), password: identity.password };
  }

  const login = (email: string, password: string) =>
    stack.http.post('/api/v1/auth/login').send({ email, password });

  async function setRole(userId: string, role: string): Promise<void> {
    const accounts = stack.api.get(AccountService);
    await RequestContext.create(stack.api.get(EntityManager), async () => {
      await accounts.setRole((await accounts.findById(userId))!, role);
    });
  }

  describe('login lockout is counted and checked atomically', () => {
    it('evaluates at most the threshold of 30 parallel wrong passwords; the rest get 429, then the account is locked', async () => {
      const user = await register();
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => login(user.user.email, `wrong guess number ${i}`)),
      );
      const statuses = answers.map((res) => res.status);
      const evaluated = statuses.filter((status) => status === 401).length;
      expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
      expect(evaluated).toBeGreaterThanOrEqual(1);
      expect(evaluated).toBeLessThanOrEqual(THRESHOLD + 2);
      for (const res of answers.filter((r) => r.status === 429)) {
        expect(['account_locked', 'too_many_attempts']).toContain(res.body.code);
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      // the lock holds, even for the right password
      const right = await login(user.user.email, user.password);
      expect(right.status).toBe(429);
      expect(right.body.code).toBe('account_locked');
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(30);
      // exactly the evaluated attempts are audited as failed password checks
      const failures = await em().find(AuditEvent, {
        action: 'auth.login',
        outcome: 'failure',
        targetId: user.user.id,
      });
      expect(failures).toHaveLength(evaluated);
    });

    it('a success still resets the count', async () => {
      const user = await register();
      for (let i = 0; i < THRESHOLD - 1; i += 1) {
        expect((await login(user.user.email, 'not the password at all')).status).toBe(401);
      }
      expect((await login(user.user.email, user.password)).status).toBe(200);
      for (let i = 0; i < THRESHOLD - 1; i += 1) {
        expect((await login(user.user.email, 'not the password at all')).status).toBe(401);
      }
      expect((await login(user.user.email, user.password)).status).toBe(200);
    });

    it('an attempt that never settles frees its place when its lease runs out; an abandoned one at once', async () => {
      const lockout = stack.api.get(LoginLockout);
      const email = `lease-${randomBytes(4).toString('hex')}@docent.test`;
      const held = [];
      for (let i = 0; i < THRESHOLD; i += 1) {
        const reservation = await lockout.begin(email, 800);
        expect(reservation.reserved).toBe(true);
        if (reservation.reserved) held.push(reservation.attempt);
      }
      expect(await lockout.begin(email, 800)).toEqual({
        reserved: false,
        reason: 'busy',
        retryAfterSeconds: 1,
      });
      // a check that failed to run (the error path) gives its place back
      await held[0].abandon();
      const next = await lockout.begin(email, 800);
      expect(next.reserved).toBe(true);
      expect((await lockout.begin(email, 800)).reserved).toBe(false);
      // the others are never settled (a process that died): their leases run out
      await waitFor(async () => (await lockout.begin(email, 800)).reserved, 5000, 200);
    });
  });

  describe('change-password is no oracle for the current password', () => {
    it('counts a wrong current password as a failed sign-in and locks change-password and login alike', async () => {
      const user = await register();
      const change = (currentPassword: string) =>
        stack.http
          .post('/api/v1/auth/change-password')
          .set(bearer(user.accessToken))
          .send({ currentPassword, newPassword: `${user.password} but newer` });
      for (let i = 0; i < THRESHOLD; i += 1) {
        const res = await change(`a wrong current password ${i}`);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('current_password_incorrect');
      }
      const locked = await change(user.password);
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('account_locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(30);
      expect((await login(user.user.email, user.password)).status).toBe(429);
      const lockouts = await em().find(AuditEvent, {
        action: 'auth.lockout',
        targetId: user.user.id,
      });
      expect(lockouts).toHaveLength(1);
    });

    it('runs 30 parallel guesses through the same atomic lockout', async () => {
      const user = await register();
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          stack.http
            .post('/api/v1/auth/change-password')
            .set(bearer(user.accessToken))
            .send({ currentPassword: `guess ${i} of many`, newPassword: `${user.password} x` }),
        ),
      );
      const evaluated = answers.filter((res) => res.status === 400).length;
      expect(evaluated).toBeLessThanOrEqual(THRESHOLD + 2);
      expect(answers.filter((res) => res.status === 429)).toHaveLength(30 - evaluated);
    });
  });

  describe('access tokens: sid belongs to sub, exp is required, on every path', () => {
    let key: ReturnType<typeof createSecretKey>;
    let baseUrl: string;
    const sockets: TestSocket[] = [];

    beforeAll(async () => {
      key = createSecretKey(Buffer.from(stack.config.auth.jwtAccessSecret, 'utf8'));
      baseUrl = await listen(stack.api);
    });

    afterAll(() => {
      for (const client of sockets) client.socket.close();
    });

    const sidOf = (token: string) => (jwt.decode(token) as { sid: string }).sid;

    function sign(claims: { sub: string; sid: string; role?: string }, exp: boolean): string {
      return jwt.sign({ role: 'member', sid: claims.sid }, key, {
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: 'at+jwt' },
        subject: claims.sub,
        issuer: stack.config.auth.jwtIssuer,
        audience: stack.config.auth.jwtAudience,
        ...(exp ? { expiresIn: 300 } : {}),
      });
    }

    function open(token: string): TestSocket {
      const client = openSocket(baseUrl, { token });
      sockets.push(client);
      return client;
    }

    function refresh(client: TestSocket, token: string): Promise<{ ok: boolean; error?: string }> {
      return new Promise((resolve) => client.socket.emit('auth.refresh', { token }, resolve));
    }

    it('accepts a hand-signed token whose session is the subject’s own (control)', async () => {
      const alice = await register();
      const token = sign({ sub: alice.user.id, sid: sidOf(alice.accessToken) }, true);
      await stack.http.get('/api/v1/auth/me').set(bearer(token)).expect(200);
      const client = open(token);
      await connected(client);
      expect(await refresh(client, token)).toMatchObject({ ok: true });
    });

    it('refuses a token naming another user’s session (HTTP, handshake, auth.refresh)', async () => {
      const alice = await register();
      const mallory = await register();
      const forged = sign({ sub: mallory.user.id, sid: sidOf(alice.accessToken) }, true);
      const http = await stack.http.get('/api/v1/auth/me').set(bearer(forged));
      expect(http.status).toBe(401);
      expect(http.body.code).toBe('invalid_token');
      expect((await refused(open(forged))).data?.code).toBe('invalid_token');
      const client = open(mallory.accessToken);
      await connected(client);
      const swapped = sign({ sub: mallory.user.id, sid: sidOf(alice.accessToken) }, true);
      expect(await refresh(client, swapped)).toEqual({ ok: false, error: 'invalid_token' });
      // a session id that exists nowhere is refused too
      const nowhere = sign({ sub: mallory.user.id, sid: randomUUID() }, true);
      expect((await stack.http.get('/api/v1/auth/me').set(bearer(nowhere))).status).toBe(401);
    });

    it('refuses a token without exp (HTTP, handshake, auth.refresh)', async () => {
      const alice = await register();
      const endless = sign({ sub: alice.user.id, sid: sidOf(alice.accessToken) }, false);
      expect((jwt.decode(endless) as { exp?: number }).exp).toBeUndefined();
      const http = await stack.http.get('/api/v1/auth/me').set(bearer(endless));
      expect(http.status).toBe(401);
      expect(http.body.code).toBe('invalid_token');
      expect((await refused(open(endless))).data?.code).toBe('invalid_token');
      const client = open(alice.accessToken);
      await connected(client);
      expect(await refresh(client, endless)).toEqual({ ok: false, error: 'invalid_token' });
    });

    it('finds the owner in PostgreSQL when Redis lost it (a session from an older release)', async () => {
      const alice = await register();
      const sid = sidOf(alice.accessToken);
      const redis = new Redis(stack.config.redis.url!, { keyPrefix: stack.config.redis.keyPrefix });
      try {
        expect(await redis.get(`auth:session-owner:${sid}`)).toBe(alice.user.id);
        await redis.del(`auth:session-owner:${sid}`);
        await stack.http.get('/api/v1/auth/me').set(bearer(alice.accessToken)).expect(200);
        expect(await redis.get(`auth:session-owner:${sid}`)).toBe(alice.user.id);
        expect(await redis.pttl(`auth:session-owner:${sid}`)).toBeGreaterThan(
          stack.config.auth.jwtRefreshTtlMs - 60_000,
        );
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('only an administrator changes an administrator', () => {
    it('refuses a custom role with every user-management right, and lets it manage others', async () => {
      const admin = await register();
      await setRole(admin.user.id, 'admin');
      const otherAdmin = await register();
      await setRole(otherAdmin.user.id, 'admin');
      const asAdmin = (req: request.Test) => req.set(bearer(admin.accessToken));
      const roleName = `user-managers-${randomBytes(3).toString('hex')}`;
      await asAdmin(stack.http.post('/api/v1/admin/roles'))
        .send({
          name: roleName,
          permissions: ['read', 'create', 'update', 'delete'].map((action) => ({
            action,
            subject: 'User',
          })),
        })
        .expect(201);
      const manager = await register();
      await setRole(manager.user.id, roleName);
      const member = await register();
      const users = '/api/v1/admin/users';
      const asManager = (req: request.Test) => req.set(bearer(manager.accessToken));

      for (const body of [{ status: 'disabled' }, { role: 'member' }, { displayName: 'Pwned' }]) {
        const res = await asManager(stack.http.patch(`${users}/${otherAdmin.user.id}`)).send(body);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('administrator_required');
      }
      const unlock = await asManager(stack.http.post(`${users}/${otherAdmin.user.id}/unlock`));
      expect(unlock.status).toBe(403);
      expect(unlock.body.code).toBe('administrator_required');
      const removal = await asManager(stack.http.delete(`${users}/${otherAdmin.user.id}`));
      expect(removal.status).toBe(403);
      expect(removal.body.code).toBe('administrator_required');
      // promoting is refused too (the role cannot grant what it does not hold)
      expect(
        (await asManager(stack.http.patch(`${users}/${member.user.id}`)).send({ role: 'admin' }))
          .status,
      ).toBe(403);

      // nothing happened to the administrator, and the refusals are audited
      const after = await asAdmin(stack.http.get(`${users}/${otherAdmin.user.id}`)).expect(200);
      expect(after.body).toMatchObject({ role: 'admin', status: 'active' });
      expect(after.body.displayName).not.toBe('Pwned');
      const denied = await em().find(AuditEvent, {
        targetId: otherAdmin.user.id,
        outcome: 'denied',
      });
      expect(denied.map((event) => event.metadata.reason)).toEqual(
        Array(5).fill('administrator_required'),
      );

      // the role still manages everyone else, and an admin still manages admins
      await asManager(stack.http.patch(`${users}/${member.user.id}`))
        .send({ status: 'disabled' })
        .expect(200);
      await asAdmin(stack.http.patch(`${users}/${otherAdmin.user.id}`))
        .send({ displayName: 'Renamed by an admin' })
        .expect(200);
    });
  });

  describe('the purge of sessions, spent refresh tokens and reset tokens', () => {
    const day = 86_400_000;

    async function insertSession(
      userId: string,
      at: { idle: number; absolute: number; revoked?: number },
    ): Promise<string> {
      const id = randomUUID();
      const now = Date.now();
      await em()
        .getConnection()
        .execute(
          `insert into sessions (id, user_id, token_hash, created_at, last_used_at, idle_expires_at, absolute_expires_at, revoked_at)
           values (?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            userId,
            randomBytes(32).toString('hex'),
            new Date(now - 40 * day),
            new Date(now - 40 * day),
            new Date(now + at.idle),
            new Date(now + at.absolute),
            at.revoked === undefined ? null : new Date(now + at.revoked),
          ],
        );
      return id;
    }

    async function insertSpent(sessionId: string, ageMs: number, count = 1): Promise<void> {
      for (let i = 0; i < count; i += 1) {
        await em()
          .getConnection()
          .execute(
            'insert into spent_refresh_tokens (token_hash, session_id, spent_at) values (?, ?, ?)',
            [randomBytes(32).toString('hex'), sessionId, new Date(Date.now() - ageMs)],
          );
      }
    }

    async function insertReset(userId: string, expiresIn: number, used: boolean): Promise<string> {
      const id = randomUUID();
      await em()
        .getConnection()
        .execute(
          'insert into password_reset_tokens (id, user_id, token_hash, created_at, expires_at, used_at) values (?, ?, ?, ?, ?, ?)',
          [
            id,
            userId,
            randomBytes(32).toString('hex'),
            new Date(),
            new Date(Date.now() + expiresIn),
            used ? new Date() : null,
          ],
        );
      return id;
    }

    const exists = async (table: string, column: string, id: string) =>
      (
        await em()
          .getConnection()
          .execute<{ n: string }[]>(`select count(*) as n from ${table} where ${column} = ?`, [id])
      )[0].n === '1';

    it('deletes what can no longer be used, keeps what reuse detection needs, in batches', async () => {
      const user = await register();
      const userId = user.user.id;
      const live = await insertSession(userId, { idle: day, absolute: 10 * day });
      const revokedRecently = await insertSession(userId, {
        idle: day,
        absolute: 10 * day,
        revoked: -day,
      });
      const revokedLongAgo = await insertSession(userId, {
        idle: day,
        absolute: 10 * day,
        revoked: -8 * day,
      });
      const idleExpired = await insertSession(userId, { idle: -8 * day, absolute: 10 * day });
      const absoluteExpired = await insertSession(userId, { idle: -9 * day, absolute: -8 * day });
      const expiredRecently = await insertSession(userId, { idle: -day, absolute: 10 * day });
      // a live family keeps its spent tokens (a replay must still be caught); an ended one's go
      await insertSpent(live, 2 * day, 3);
      await insertSpent(revokedLongAgo, 9 * day, 7);
      await insertSpent(live, 31 * day, 2);
      const usedReset = await insertReset(userId, 10 * 60_000, true);
      const expiredReset = await insertReset(userId, -60_000, false);
      const liveReset = await insertReset(userId, 10 * 60_000, false);

      // small batches, so the loop is exercised
      const result = await stack.worker!.get(AuthPurge, { strict: false }).run(new Date(), 2);
      expect(result.sessions).toBeGreaterThanOrEqual(3);
      expect(result.spentRefreshTokens).toBeGreaterThanOrEqual(9);
      expect(result.passwordResetTokens).toBeGreaterThanOrEqual(2);

      for (const id of [live, revokedRecently, expiredRecently]) {
        expect(await exists('sessions', 'id', id)).toBe(true);
      }
      for (const id of [revokedLongAgo, idleExpired, absoluteExpired]) {
        expect(await exists('sessions', 'id', id)).toBe(false);
      }
      const [{ n: liveSpent }] = await em()
        .getConnection()
        .execute<{ n: string }[]>(
          'select count(*) as n from spent_refresh_tokens where session_id = ?',
          [live],
        );
      expect(liveSpent).toBe('3');
      expect(await exists('password_reset_tokens', 'id', usedReset)).toBe(false);
      expect(await exists('password_reset_tokens', 'id', expiredReset)).toBe(false);
      expect(await exists('password_reset_tokens', 'id', liveReset)).toBe(true);

      // running again finds nothing more: idempotent
      const again = await stack.worker!.get(AuthPurge, { strict: false }).run();
      expect(again.sessions).toBe(0);
    });

    it('leaves reuse detection working for live sessions', async () => {
      const user = await register();
      const first = user.refreshToken;
      const rotated = await stack.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: first })
        .expect(200);
      await stack.worker!.get(AuthPurge, { strict: false }).run();
      const replay = await stack.http.post('/api/v1/auth/refresh').send({ refreshToken: first });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('refresh_token_reused');
      const after = await stack.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: rotated.body.refreshToken });
      expect(after.body.code).toBe('session_revoked');
    });

    it('is scheduled once, hourly, on the maintenance queue, whatever the number of starts', async () => {
      const maintenance = new Bull(QUEUES.maintenance, stack.config.redis.url!, {
        prefix: `${stack.config.redis.keyPrefix}bull`,
      });
      try {
        const repeatables = async () =>
          (await maintenance.getRepeatableJobs()).filter(
            (job) => job.name === JOBS.maintenance.authPurge,
          );
        await waitFor(async () => (await repeatables()).length === 1, 10_000);
        const tasks = stack.worker!.get(MaintenanceTasks, { strict: false });
        await tasks.schedule(JOBS.maintenance.authPurge);
        await tasks.schedule(JOBS.maintenance.authPurge, 60_000);
        await tasks.schedule(JOBS.maintenance.authPurge);
        expect(await repeatables()).toEqual([
          expect.objectContaining({ every: AUTH_PURGE_EVERY_MS }),
        ]);
        // and it runs: a job of it completes through the worker's maintenance processor
        const job = await maintenance.add(JOBS.maintenance.authPurge, {
          task: JOBS.maintenance.authPurge,
        });
        expect(await job.finished()).toEqual({
          sessions: expect.any(Number),
          spentRefreshTokens: expect.any(Number),
          passwordResetTokens: expect.any(Number),
        });
      } finally {
        await maintenance.close();
      }
    });
  });
});

/**
 * Each test here builds its own api: passport keeps one global strategy per name, so another
 * app in the same process takes over the `jwt` strategy (and its key); these run after the
 * shared stack is done with.
 */
describe('auth hardening with an api of its own (issue 12)', () => {
  it('a password check that errors (PostgreSQL down) answers 503 and keeps no reservation', async () => {
    const pg = TcpProxy.forUrl(process.env.DOCENT_TEST_DATABASE_URL as string, 5432);
    await pg.start();
    const app: NestFastifyApplication = await createApiApp({
      config: testConfig({
        DATABASE_URL: pg.urlFor(process.env.DOCENT_TEST_DATABASE_URL as string),
        DATABASE_CONNECT_TIMEOUT: '1s',
        LOGIN_LOCKOUT_THRESHOLD: '1',
        RATE_LIMIT_AUTH: '1000/1m',
      }),
    });
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const http = request(app.getHttpServer());
      const identity = newIdentity('pgdown');
      await http.post('/api/v1/auth/register').send(identity).expect(201);
      await pg.stop();
      const during = await http
        .post('/api/v1/auth/login')
        .send({ email: identity.email, password: identity.password });
      expect(during.status).toBe(503);
      await pg.start();
      // with a threshold of one, a leaked reservation would refuse this
      await waitFor(
        async () =>
          (
            await http
              .post('/api/v1/auth/login')
              .send({ email: identity.email, password: identity.password })
          ).status === 200,
        10_000,
        250,
      );
    } finally {
      await pg.start().catch(() => undefined);
      await app.close();
      await pg.stop();
    }
  });
  it('has the auth rate limit', async () => {
    const limited = await startStack({ RATE_LIMIT_AUTH: '3/1m', LOGIN_LOCKOUT_THRESHOLD: '100' });
    try {
      const identity = newIdentity('ratelimit');
      const res = await limited.http.post('/api/v1/auth/register').send(identity).expect(201);
      const answers = [];
      for (let i = 0; i < 4; i += 1) {
        answers.push(
          await limited.http
            .post('/api/v1/auth/change-password')
            .set(bearer(res.body.accessToken))
            .send({ currentPassword: `wrong ${i} password`, newPassword: 'whatever it is now' }),
        );
      }
      // three a minute (whether register's request shares the bucket depends on the tracker)
      expect(answers.slice(0, 2).map((answer) => answer.status)).toEqual([400, 400]);
      expect(answers[3].status).toBe(429);
      expect(answers[3].body.code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });
  it('answers 503, not 401, when Redis cannot be asked', async () => {
    const proxy = TcpProxy.forUrl(process.env.DOCENT_TEST_REDIS_URL as string, 6379);
    await proxy.start();
    const app = await createApiApp({
      config: testConfig({
        REDIS_URL: proxy.urlFor(process.env.DOCENT_TEST_REDIS_URL as string),
      }),
    });
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const http = request(app.getHttpServer());
      const res = await http.post('/api/v1/auth/register').send(newIdentity('redisdown'));
      expect(res.status).toBe(201);
      await proxy.stop();
      const during = await http.get('/api/v1/auth/me').set(bearer(res.body.accessToken));
      expect(during.status).toBe(503);
      expect(during.body.code).toBe('dependency_unavailable');
      await proxy.start();
      await waitFor(
        async () =>
          (await http.get('/api/v1/auth/me').set(bearer(res.body.accessToken))).status === 200,
        10_000,
        250,
      );
    } finally {
      await proxy.start().catch(() => undefined);
      await app.close();
      await proxy.stop();
    }
  });
});
