import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import Bull, { type Job, type Queue } from 'bull';
import type request from 'supertest';
import { AuditEvent } from '@docent/audit';
import { AccountService } from '@docent/auth';
import { uuidv7 } from '@docent/common';
import { Keyring } from '@docent/crypto';
import { Document, DocumentChunk } from '@docent/documents';
import { openMailContext, type SendMailJob } from '@docent/mail';
import { QUEUES } from '@docent/queue';
import { waitFor } from './support/http';
import { newIdentity, type Stack, startStack } from './support/stack';

type Http = ReturnType<typeof request>;
interface Account {
  accessToken: string;
  user: { id: string; email: string };
  identity: ReturnType<typeof newIdentity>;
}
interface AuditItem {
  id: string;
  occurredAt: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
}
interface JobItem {
  id: string;
  name: string;
  state: string;
  attemptsMade: number;
  failedReason: string | null;
  stacktrace: string | null;
  data: Record<string, unknown>;
  timestamp: string | null;
  processedOn: string | null;
  finishedOn: string | null;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const AUDIT = '/api/v1/admin/audit-events';
const QUEUES_PATH = '/api/v1/admin/queues';
const STATS = '/api/v1/admin/stats';

/** The payload of the probe jobs: secrets an admin must never get to see, next to plain fields. */
const SECRET_PAYLOAD = {
  task: 'probe-task',
  password: 'hunter2-probe-password',
  apiToken: 'tok-probe-123',
  resetUrl: 'http://docent.test/reset?token=probe-reset-token',
  nested: { clientSecret: 'nested-probe-secret', keep: 7, list: [{ refreshToken: 'rt-probe' }] },
  context: { link: 'http://docent.test/probe-link' },
};
const SECRET_VALUES = [
  'hunter2-probe-password',
  'tok-probe-123',
  'probe-reset-token',
  'nested-probe-secret',
  'rt-probe',
  'probe-link',
];

describe('admin: audit log, queues and stats', () => {
  let stack: Stack;
  let http: Http;
  let admin: Account;
  let member: Account;

  async function register(identity = newIdentity('ops')): Promise<Account> {
    const res = await http.post('/api/v1/auth/register').send(identity).expect(201);
    return { ...(res.body as Omit<Account, 'identity'>), identity };
  }

  async function login(account: Account): Promise<void> {
    await http
      .post('/api/v1/auth/login')
      .send({ email: account.identity.email, password: account.identity.password })
      .expect(200);
  }

  async function asAccounts(work: (accounts: AccountService) => Promise<void>): Promise<void> {
    const accounts = stack.api.get(AccountService);
    await RequestContext.create(stack.api.get(EntityManager), () => work(accounts));
  }

  async function setRole(userId: string, role: string): Promise<void> {
    await asAccounts(async (accounts) =>
      accounts.setRole((await accounts.findById(userId))!, role),
    );
  }

  async function disable(userId: string): Promise<void> {
    await asAccounts(async (accounts) =>
      accounts.setStatus((await accounts.findById(userId))!, 'disabled'),
    );
  }

  const asAdmin = (path: string, query: Record<string, string | number> = {}) =>
    http.get(path).query(query).set(bearer(admin.accessToken));

  async function auditItems(query: Record<string, string | number>): Promise<AuditItem[]> {
    const res = await asAdmin(AUDIT, query).expect(200);
    return res.body.items as AuditItem[];
  }

  /** Audit rows straight from the table, for checks the API itself must not influence. */
  const auditRows = (where: Partial<AuditEvent>) =>
    stack.api
      .get(EntityManager)
      .fork()
      .find(AuditEvent, where, { orderBy: { occurredAt: 'asc' } });

  beforeAll(async () => {
    stack = await startStack();
    http = stack.http;
    admin = await register(newIdentity('opsadmin'));
    await setRole(admin.user.id, 'admin');
    member = await register(newIdentity('opsmember'));
  });

  afterAll(async () => {
    await stack?.close();
  });

  describe('GET /admin/audit-events', () => {
    let subject: Account;
    let other: Account;

    beforeAll(async () => {
      // subject: auth.register, then two auth.login entries, each by and about themselves
      subject = await register();
      await login(subject);
      await login(subject);
      other = await register();
      await login(other);
    });

    it('filters by actor, newest first, with every field', async () => {
      const items = await auditItems({ actorId: subject.user.id });
      expect(items.map((item) => item.action)).toEqual([
        'auth.login',
        'auth.login',
        'auth.register',
      ]);
      for (let i = 1; i < items.length; i += 1) {
        expect(items[i - 1].occurredAt >= items[i].occurredAt).toBe(true);
      }
      expect(items[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        actorId: subject.user.id,
        action: 'auth.login',
        targetType: 'user',
        targetId: subject.user.id,
        outcome: 'success',
        ip: expect.any(String),
        userAgent: null,
        requestId: expect.any(String),
        metadata: expect.any(Object),
      });
      expect(items.every((item) => item.actorId === subject.user.id)).toBe(true);
    });

    it('combines actor, action and target filters with AND', async () => {
      const logins = await auditItems({ actorId: subject.user.id, action: 'auth.login' });
      expect(logins).toHaveLength(2);
      expect(logins.every((item) => item.action === 'auth.login')).toBe(true);

      const aboutOther = await auditItems({ targetType: 'user', targetId: other.user.id });
      expect(aboutOther.map((item) => item.action)).toEqual(['auth.login', 'auth.register']);
      expect(aboutOther.every((item) => item.targetId === other.user.id)).toBe(true);

      const registerOfOther = await auditItems({
        targetId: other.user.id,
        action: 'auth.register',
      });
      expect(registerOfOther).toHaveLength(1);

      // the subject's actions about the other user: none
      expect(await auditItems({ actorId: subject.user.id, targetId: other.user.id })).toEqual([]);
      expect(await auditItems({ action: 'no.such_action' })).toEqual([]);
    });

    it('limits to a from/to window (both bounds inclusive)', async () => {
      const all = await auditItems({ actorId: subject.user.id });
      const [newest, middle, oldest] = all;

      const exactlyMiddle = await auditItems({
        actorId: subject.user.id,
        from: middle.occurredAt,
        to: middle.occurredAt,
      });
      expect(exactlyMiddle.map((item) => item.id)).toEqual([middle.id]);

      const fromMiddle = await auditItems({ actorId: subject.user.id, from: middle.occurredAt });
      expect(fromMiddle.map((item) => item.id)).toEqual([newest.id, middle.id]);

      const toMiddle = await auditItems({ actorId: subject.user.id, to: middle.occurredAt });
      expect(toMiddle.map((item) => item.id)).toEqual([middle.id, oldest.id]);

      // an offset is honoured: the same instant written in UTC+02:00
      const shifted = new Date(new Date(newest.occurredAt).getTime() + 2 * 3600_000)
        .toISOString()
        .replace('Z', '+02:00');
      const fromNewest = await auditItems({ actorId: subject.user.id, from: shifted });
      expect(fromNewest.map((item) => item.id)).toEqual([newest.id]);

      const future = new Date(Date.now() + 3600_000).toISOString();
      expect(await auditItems({ actorId: subject.user.id, from: future })).toEqual([]);
      // a calendar date is midnight UTC
      expect(await auditItems({ actorId: subject.user.id, to: '2000-01-01' })).toEqual([]);
    });

    it('pages with a cursor: two pages, no overlap, same order as one page', async () => {
      const everything = await auditItems({ actorId: subject.user.id });
      const first = await asAdmin(AUDIT, { actorId: subject.user.id, limit: 2 }).expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(typeof first.body.nextCursor).toBe('string');

      const second = await asAdmin(AUDIT, {
        actorId: subject.user.id,
        limit: 2,
        cursor: first.body.nextCursor as string,
      }).expect(200);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();

      const paged = [...first.body.items, ...second.body.items] as AuditItem[];
      expect(paged.map((item) => item.id)).toEqual(everything.map((item) => item.id));
    });

    it('refuses a malformed cursor with 400 invalid_cursor', async () => {
      for (const cursor of [
        'not-a-cursor',
        Buffer.from('{"occurredAt":"yesterday","id":"x"}').toString('base64url'),
        Buffer.from('{"queue":"mail","state":"failed","offset":0}').toString('base64url'),
      ]) {
        const res = await asAdmin(AUDIT, { cursor });
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe('invalid_cursor');
      }
    });

    it('refuses malformed dates, a window that ends before it starts, and bad filters with 400', async () => {
      for (const [query, field] of [
        [{ from: 'yesterday' }, 'from'],
        [{ to: '2026-02-30' }, 'to'],
        [{ from: '2026-13-01T00:00:00Z' }, 'from'],
        [{ to: '1700000000' }, 'to'],
        [{ from: '2026-05-02T00:00:00Z', to: '2026-05-01T23:59:59Z' }, 'from'],
        [{ actorId: 'not-a-uuid' }, 'actorId'],
        [{ limit: 101 }, 'limit'],
        [{ unknown: 'x' }, 'unknown'],
      ] as const) {
        const res = await asAdmin(AUDIT, query);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field })]),
        );
      }
    });

    it('has no way to write, change or delete an entry (404)', async () => {
      const [entry] = await auditItems({ actorId: subject.user.id, limit: 1 });
      const attempts = [
        http.post(AUDIT).send({ action: 'forged' }),
        http.patch(AUDIT).send({ action: 'forged' }),
        http.delete(AUDIT),
        http.put(AUDIT).send({}),
        http.get(`${AUDIT}/${entry.id}`),
        http.patch(`${AUDIT}/${entry.id}`).send({ action: 'forged' }),
        http.delete(`${AUDIT}/${entry.id}`),
      ];
      for (const attempt of attempts) {
        const res = await attempt.set(bearer(admin.accessToken));
        expect(res.status).toBe(404);
      }
      const [still] = await auditItems({ actorId: subject.user.id, limit: 1 });
      expect(still).toEqual(entry);
    });

    it('does not audit admin reads', async () => {
      const before = await auditRows({ actorId: admin.user.id });
      await asAdmin(AUDIT).expect(200);
      await asAdmin(QUEUES_PATH).expect(200);
      await asAdmin(`${QUEUES_PATH}/mail/jobs`).expect(200);
      await asAdmin(STATS).expect(200);
      const after = await auditRows({ actorId: admin.user.id });
      expect(after.map((row) => row.id)).toEqual(before.map((row) => row.id));
    });
  });

  describe('queues', () => {
    let queue: Queue;
    let processor: Queue;
    const release: (() => void)[] = [];

    /** Jobs the probe makes fail, one it keeps running, and one that never starts. */
    let failed: Job[];
    let running: Job;

    const stateOf = async (id: string | number) => (await queue.getJob(id))?.getState() ?? null;

    beforeAll(async () => {
      queue = stack.api.get<Queue>(getQueueToken(QUEUES.maintenance), { strict: false });
      // the api never processes jobs: a separate bull client plays the worker for these tests
      processor = new Bull(QUEUES.maintenance, stack.config.redis.url, {
        prefix: `${stack.config.redis.keyPrefix}bull`,
      });
      void processor.process('probe', 4, async (job: Job<{ mode: string }>) => {
        if (job.data.mode === 'block') {
          await new Promise<void>((resolve) => release.push(resolve));
          return;
        }
        if (job.data.mode === 'deep') {
          const error = new Error('deep failure');
          error.stack = [
            'Error: deep failure',
            ...Array.from({ length: 40 }, (_, i) => `    at frame${i}`),
          ].join('\n');
          throw error;
        }
        throw new Error('probe failure on purpose');
      });
      failed = [];
      for (let i = 0; i < 3; i += 1) {
        failed.push(
          await queue.add(
            'probe',
            { ...SECRET_PAYLOAD, mode: 'fail', n: i },
            { attempts: 1, removeOnFail: false },
          ),
        );
      }
      running = await queue.add('probe', { mode: 'block' }, { attempts: 1 });
      await waitFor(async () => {
        const states = await Promise.all(failed.map((job) => stateOf(job.id)));
        return states.every((state) => state === 'failed');
      }, 10_000);
      await waitFor(async () => (await stateOf(running.id)) === 'active', 10_000);
    });

    afterAll(async () => {
      release.forEach((resolve) => resolve());
      await processor?.close();
    });

    it('GET /admin/queues lists every queue with its counts', async () => {
      const res = await asAdmin(QUEUES_PATH).expect(200);
      expect(res.body.nextCursor).toBeNull();
      const byName = Object.fromEntries(
        (res.body.items as { name: string; counts: unknown }[]).map((item) => [item.name, item]),
      );
      expect(Object.keys(byName).sort()).toEqual(['ingestion', 'mail', 'maintenance']);
      expect(byName.maintenance).toEqual({
        name: 'maintenance',
        counts: { waiting: 0, active: 1, delayed: 0, failed: 3, completed: 0, paused: 0 },
        isPaused: false,
      });
      expect(byName.ingestion.counts).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
        failed: 0,
        completed: 0,
        paused: 0,
      });
    });

    it('lists failed jobs (the default state), most recent first, without secrets', async () => {
      const res = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`).expect(200);
      const items = res.body.items as JobItem[];
      expect(res.body.nextCursor).toBeNull();
      expect(items.map((item) => item.id).sort()).toEqual(
        failed.map((job) => String(job.id)).sort(),
      );
      const item = items.find((entry) => entry.id === String(failed[0].id))!;
      expect(item).toEqual({
        id: String(failed[0].id),
        name: 'probe',
        state: 'failed',
        attemptsMade: 1,
        failedReason: 'probe failure on purpose',
        stacktrace: expect.stringContaining('Error: probe failure on purpose'),
        data: { task: 'probe-task', nested: { keep: 7, list: [{}] }, mode: 'fail', n: 0 },
        timestamp: expect.stringMatching(/Z$/),
        processedOn: expect.stringMatching(/Z$/),
        finishedOn: expect.stringMatching(/Z$/),
      });
      expect(item.stacktrace!.split('\n').length).toBeLessThanOrEqual(20);
      for (let i = 1; i < items.length; i += 1) {
        expect(items[i - 1].finishedOn! >= items[i].finishedOn!).toBe(true);
      }
      for (const secret of SECRET_VALUES) expect(res.text).not.toContain(secret);
    });

    it('cuts stack traces to 20 lines', async () => {
      // a deeper stack than Node records by default, as a failure deep in a dependency has
      const deep = await queue.add('probe', { mode: 'deep' }, { attempts: 1 });
      await waitFor(async () => (await stateOf(deep.id)) === 'failed', 10_000);
      const res = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, { limit: 100 }).expect(200);
      const item = (res.body.items as JobItem[]).find((entry) => entry.id === String(deep.id))!;
      const lines = item.stacktrace!.split('\n');
      expect(lines).toHaveLength(20);
      expect(lines[0]).toBe('Error: deep failure');
      expect(lines[19]).toBe('    at frame18');
      await (await queue.getJob(deep.id))!.remove();
    });

    it('pages jobs with an offset cursor tied to the queue and state', async () => {
      const first = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, {
        state: 'failed',
        limit: 2,
      }).expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(typeof first.body.nextCursor).toBe('string');
      const second = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, {
        state: 'failed',
        limit: 2,
        cursor: first.body.nextCursor as string,
      }).expect(200);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const ids = [...first.body.items, ...second.body.items].map((item: JobItem) => item.id);
      expect(new Set(ids).size).toBe(3);

      // the cursor belongs to this queue and state only
      for (const [path, query] of [
        [`${QUEUES_PATH}/maintenance/jobs`, { state: 'completed' }],
        [`${QUEUES_PATH}/mail/jobs`, {}],
      ] as const) {
        const res = await asAdmin(path, { ...query, cursor: first.body.nextCursor as string });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('invalid_cursor');
      }
      const garbage = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, { cursor: '%%%' });
      expect(garbage.status).toBe(400);
    });

    it('lists jobs in other states', async () => {
      const active = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, { state: 'active' });
      expect(active.status).toBe(200);
      expect(active.body.items).toEqual([
        expect.objectContaining({ id: String(running.id), state: 'active', failedReason: null }),
      ]);
      const delayed = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, { state: 'delayed' });
      expect(delayed.body).toEqual({ items: [], nextCursor: null });
    });

    it('answers 404 queue_not_found for an unknown queue and 400 for an unknown state', async () => {
      const unknown = await asAdmin(`${QUEUES_PATH}/nope/jobs`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('queue_not_found');
      const state = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, { state: 'stuck' });
      expect(state.status).toBe(400);
      expect(state.body.errors).toEqual([expect.objectContaining({ field: 'state' })]);
    });

    it('refuses to remove an active job (409 job_active) and records the attempt', async () => {
      const res = await http
        .delete(`${QUEUES_PATH}/maintenance/jobs/${running.id}`)
        .set(bearer(admin.accessToken));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('job_active');
      expect(await stateOf(running.id)).toBe('active');
      const rows = await auditRows({
        action: 'admin.job_removed',
        targetId: `maintenance:${running.id}`,
      });
      expect(rows).toHaveLength(1);
      expect(rows[0].outcome).toBe('failure');
    });

    it('retries a failed job (202, waiting again) and audits it', async () => {
      // stop playing the worker, so the retried job stays in the queue
      release.forEach((resolve) => resolve());
      await waitFor(async () => (await stateOf(running.id)) === 'completed', 10_000);
      await processor.close();

      const job = failed[0];
      await http
        .post(`${QUEUES_PATH}/maintenance/jobs/${job.id}/retry`)
        .set(bearer(admin.accessToken))
        .expect(202);
      expect(await stateOf(job.id)).toBe('waiting');

      const rows = await auditRows({ action: 'admin.job_retried', actorId: admin.user.id });
      const row = rows.find((entry) => entry.targetId === `maintenance:${job.id}`);
      expect(row).toMatchObject({
        actorId: admin.user.id,
        outcome: 'success',
        targetType: 'job',
        metadata: {
          queue: 'maintenance',
          jobId: String(job.id),
          jobName: 'probe',
          previousState: 'failed',
        },
      });
      const listed = await asAdmin(`${QUEUES_PATH}/maintenance/jobs`, { state: 'waiting' });
      expect(listed.body.items.map((item: JobItem) => item.id)).toContain(String(job.id));

      // it is waiting now, not failed: a second retry conflicts
      const again = await http
        .post(`${QUEUES_PATH}/maintenance/jobs/${job.id}/retry`)
        .set(bearer(admin.accessToken));
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('job_not_failed');
      // a completed job cannot be retried either
      const done = await http
        .post(`${QUEUES_PATH}/maintenance/jobs/${running.id}/retry`)
        .set(bearer(admin.accessToken));
      expect(done.status).toBe(409);
      expect(done.body.code).toBe('job_not_failed');
    });

    it('removes a job (204) and audits it', async () => {
      const job = failed[1];
      await http
        .delete(`${QUEUES_PATH}/maintenance/jobs/${job.id}`)
        .set(bearer(admin.accessToken))
        .expect(204);
      expect(await queue.getJob(job.id)).toBeNull();

      const rows = await auditRows({
        action: 'admin.job_removed',
        targetId: `maintenance:${job.id}`,
      });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actorId: admin.user.id,
        outcome: 'success',
        metadata: { queue: 'maintenance', jobName: 'probe', previousState: 'failed' },
      });
      // gone: a second attempt is 404
      const again = await http
        .delete(`${QUEUES_PATH}/maintenance/jobs/${job.id}`)
        .set(bearer(admin.accessToken));
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('job_not_found');
    });

    it('answers 404 for unknown jobs and queues on retry and remove', async () => {
      for (const [method, path, code] of [
        ['post', `${QUEUES_PATH}/maintenance/jobs/999999/retry`, 'job_not_found'],
        ['delete', `${QUEUES_PATH}/maintenance/jobs/999999`, 'job_not_found'],
        // bull's own keys are not jobs
        ['delete', `${QUEUES_PATH}/maintenance/jobs/meta-paused`, 'job_not_found'],
        ['delete', `${QUEUES_PATH}/maintenance/jobs/${failed[2].id}:lock`, 'job_not_found'],
        ['post', `${QUEUES_PATH}/maintenance/jobs/id/retry`, 'job_not_found'],
        ['post', `${QUEUES_PATH}/nope/jobs/1/retry`, 'queue_not_found'],
        ['delete', `${QUEUES_PATH}/nope/jobs/1`, 'queue_not_found'],
      ] as const) {
        const res = await http[method](path).set(bearer(admin.accessToken));
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 404,
          code,
        });
      }
      expect(await stateOf(failed[2].id)).toBe('failed');
    });

    it('removes secrets from mail jobs (their context carries the reset link)', async () => {
      const mail = stack.api.get<Queue>(getQueueToken(QUEUES.mail), { strict: false });
      await http
        .post('/api/v1/auth/forgot-password')
        .send({ email: member.user.email })
        .expect(202);
      // no worker in this stack: the mail waits in its queue
      await waitFor(async () => (await mail.getJobCounts()).waiting > 0, 5000);
      const [queued] = (await mail.getJobs(['waiting'], 0, 0)) as Job<SendMailJob>[];
      // the context is sealed in Redis: open it as the worker does, to know what must not show
      const { resetUrl } = openMailContext(
        queued.data,
        stack.api.get(Keyring, { strict: false }),
      ) as {
        resetUrl: string;
      };
      expect(resetUrl).toContain('http://docent.test/');

      const res = await asAdmin(`${QUEUES_PATH}/mail/jobs`, { state: 'waiting' }).expect(200);
      const item = (res.body.items as JobItem[]).find((entry) => entry.id === String(queued.id))!;
      expect(item.data).toMatchObject({ template: 'password-reset' });
      expect(item.data).not.toHaveProperty('context');
      expect(item.data).not.toHaveProperty('sealedContext');
      expect(res.text).not.toContain('docent.test/');
      const token = new URL(resetUrl).searchParams.get('token') ?? resetUrl.split('/').pop()!;
      expect(res.text).not.toContain(token);
    });
  });

  describe('GET /admin/stats', () => {
    it('counts users by role and status, and queue depths', async () => {
      const before = await asAdmin(STATS).expect(200);
      const a = await register();
      const b = await register();
      await setRole(b.user.id, 'viewer');
      await disable(a.user.id);
      const after = await asAdmin(STATS).expect(200);

      const users = after.body.users as {
        byRole: Record<string, number>;
        byStatus: { active: number; disabled: number };
        total: number;
      };
      expect(Object.keys(users.byRole)).toEqual(
        expect.arrayContaining(['admin', 'member', 'viewer']),
      );
      expect(users.total).toBe(Object.values(users.byRole).reduce((sum, n) => sum + n, 0));
      expect(users.total).toBe(users.byStatus.active + users.byStatus.disabled);
      // other test files share the database: at least what this test added
      expect(users.total - before.body.users.total).toBeGreaterThanOrEqual(2);
      expect(users.byRole.viewer - (before.body.users.byRole.viewer ?? 0)).toBeGreaterThanOrEqual(
        1,
      );
      expect(users.byStatus.disabled - before.body.users.byStatus.disabled).toBeGreaterThanOrEqual(
        1,
      );
      expect(users.byRole.admin).toBeGreaterThanOrEqual(1);
      expect(users.byRole.member).toBeGreaterThanOrEqual(2);

      expect(Object.keys(after.body.queues).sort()).toEqual(['ingestion', 'mail', 'maintenance']);
      expect(after.body.queues.ingestion).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
      // the maintenance job retried above waits; one failed job is left
      expect(after.body.queues.maintenance).toEqual({
        waiting: 1,
        active: 0,
        delayed: 0,
        failed: 1,
      });
      expect(Date.parse(after.body.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('counts documents by status, chunks, storage bytes and failures by code', async () => {
      const before = await asAdmin(STATS).expect(200);
      const owner = await register();
      // a code no other test uses, so its count is exact even with other files running
      const code = `stats_probe_${uuidv7().replace(/-/g, '').slice(-12)}`;
      const em = stack.api.get(EntityManager).fork();
      const make = (status: Document['status'], sizeBytes: string) =>
        em.create(Document, {
          owner: owner.user.id,
          batchId: uuidv7(),
          filename: `stats-${status}.txt`,
          kind: 'txt',
          mimeType: 'text/plain',
          sizeBytes,
          sha256: uuidv7(),
          storageKey: `documents/${uuidv7()}`,
          status,
        });
      const completed = make('completed', '1000');
      const failed = make('failed', '234');
      failed.errorCode = code;
      failed.errorMessage = 'Probe failure.';
      make('queued', '10');
      for (const chunkIndex of [0, 1]) {
        em.create(DocumentChunk, {
          document: completed,
          chunkIndex,
          content: `chunk ${chunkIndex}`,
        });
      }
      await em.flush();

      const after = await asAdmin(STATS).expect(200);
      const documents = after.body.documents as {
        byStatus: Record<'queued' | 'processing' | 'completed' | 'failed' | 'cancelled', number>;
        total: number;
        chunks: number;
        storageBytes: number;
        failuresByCode: Record<string, number>;
      };
      const previous = before.body.documents as typeof documents;
      expect(Object.keys(documents.byStatus).sort()).toEqual([
        'cancelled',
        'completed',
        'failed',
        'processing',
        'queued',
      ]);
      expect(documents.total).toBe(
        Object.values(documents.byStatus).reduce((sum, n) => sum + n, 0),
      );
      // other test files share the database: at least what this test added
      expect(documents.total - previous.total).toBeGreaterThanOrEqual(3);
      expect(documents.byStatus.completed - previous.byStatus.completed).toBeGreaterThanOrEqual(1);
      expect(documents.byStatus.failed - previous.byStatus.failed).toBeGreaterThanOrEqual(1);
      expect(documents.chunks - previous.chunks).toBeGreaterThanOrEqual(2);
      expect(documents.storageBytes - previous.storageBytes).toBeGreaterThanOrEqual(1244);
      expect(previous.failuresByCode[code]).toBeUndefined();
      expect(documents.failuresByCode[code]).toBe(1);
      for (const n of Object.values(documents.failuresByCode)) expect(n).toBeGreaterThan(0);
    });
  });

  describe('authorization', () => {
    it('refuses a member with 403 on every endpoint, and an anonymous caller with 401', async () => {
      const calls: [method: 'get' | 'post' | 'delete', path: string][] = [
        ['get', AUDIT],
        ['get', QUEUES_PATH],
        ['get', `${QUEUES_PATH}/maintenance/jobs`],
        ['get', `${QUEUES_PATH}/nope/jobs`],
        ['post', `${QUEUES_PATH}/maintenance/jobs/1/retry`],
        ['delete', `${QUEUES_PATH}/maintenance/jobs/1`],
        ['get', STATS],
      ];
      for (const [method, path] of calls) {
        const denied = await http[method](path).set(bearer(member.accessToken));
        expect({ path, status: denied.status, code: denied.body.code }).toEqual({
          path,
          status: 403,
          code: 'forbidden',
        });
        expect((await http[method](path)).status).toBe(401);
      }
    });
  });
});
