import Bull from 'bull';
import request from 'supertest';
import type { Cluster } from 'ioredis';
import { messagesKey, metaKey, userIndexKey } from '@docent/chat';
import { type Env, loadConfig, type RedisSettings } from '@docent/config';
import { bullPrefix, JOBS, QUEUES } from '@docent/queue';
import { closeRedisClient, createRedisClient } from '@docent/redis';
import {
  freePort,
  runBuiltApi,
  spawnBuiltWorker,
  type WorkerProcess,
} from './support/built-worker';
import { testEnv } from './support/config';
import { corpus, uploadOne } from './support/documents';
import { waitFor } from './support/http';
import { type RedisCluster, startRedisCluster } from './support/redis-cluster';
import { type SmtpCapture, startSmtp } from './support/smtp';
import { closeAll, connectSocket, type TestSocket } from './support/socket';
import { bearer, newIdentity } from './support/stack';

// six redis-server processes, the built api and worker, failover: slow on a busy machine
jest.setTimeout(240_000);

const SESSIONS = '/api/v1/chat/sessions';
const CHAT_LIMIT = 4;
const LOCKOUT_THRESHOLD = 3;

interface User {
  id: string;
  token: string;
  refreshToken: string;
  email: string;
  password: string;
}

/** The slot of a key (CRC16 of its hash tag, as Redis Cluster computes it). */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

/**
 * Docent on a local Redis Cluster (three masters, three replicas), as built and started in
 * production (`node dist/.../main.js`): every Redis user works there (bull, the socket.io sharded
 * adapter and the worker's emitter, chat history, throttler, lockout, revocations, the cache,
 * the SCAN-based maintenance), and a master killed with SIGKILL is replaced by its replica while
 * requests go on, answered 503 at worst, never 401.
 */
describe('Docent on a Redis Cluster (built api and worker, six nodes)', () => {
  let cluster: RedisCluster;
  let smtp: SmtpCapture;
  let env: Env;
  let settings: RedisSettings;
  let api: WorkerProcess;
  let worker: WorkerProcess;
  let baseUrl: string;
  let http: ReturnType<typeof request>;
  let redis: Cluster;
  const sockets: TestSocket[] = [];

  const register = async (prefix: string): Promise<User> => {
    const identity = newIdentity(prefix);
    const res = await http.post('/api/v1/auth/register').send(identity).expect(201);
    return {
      id: res.body.user.id,
      token: res.body.accessToken,
      refreshToken: res.body.refreshToken,
      email: identity.email,
      password: identity.password,
    };
  };

  /** Which master (by port) serves a slot now. */
  const masterOf = async (slot: number): Promise<number> => {
    const topology = await cluster.topology();
    const master = topology.find(
      (node) =>
        node.role === 'master' &&
        !node.failed &&
        node.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    if (!master) throw new Error(`no master serves slot ${slot}`);
    return master.port;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 2000 });
    smtp = await startSmtp();
    env = testEnv({
      REDIS_URL: cluster.url,
      PORT: String(await freePort()),
      WORKER_HTTP_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      SMTP_URL: smtp.url,
      PUBLIC_APP_URL: 'http://docent.test',
      RATE_LIMIT: '10000/1m',
      RATE_LIMIT_AUTH: '10000/1m',
      RATE_LIMIT_CHAT: `${CHAT_LIMIT}/1m`,
      LOGIN_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
    });
    settings = loadConfig(env).redis;
    expect(settings.cluster?.nodes).toHaveLength(6);
    api = runBuiltApi(env);
    worker = spawnBuiltWorker(env);
    baseUrl = `http://127.0.0.1:${env.PORT}`;
    http = request(baseUrl);
    await waitFor(
      async () => {
        if (api.child.exitCode !== null) throw new Error(`api exited:\n${api.output.join('')}`);
        const res = await http.get('/health/ready').catch(() => undefined);
        return res?.status === 200;
      },
      90_000,
      250,
    );
    redis = createRedisClient(settings, { name: 'test', keyPrefix: false }) as Cluster;
  });

  afterAll(async () => {
    closeAll(sockets);
    for (const child of [api, worker]) {
      if (child && child.child.exitCode === null) {
        child.child.kill('SIGTERM');
        await child.exited;
      }
    }
    if (redis) await closeRedisClient(redis);
    await smtp?.close();
    await cluster?.stop();
  });

  it('runs on three masters with a replica each', async () => {
    const topology = await cluster.topology();
    expect(topology.filter((node) => node.role === 'master')).toHaveLength(3);
    expect(topology.filter((node) => node.role === 'slave')).toHaveLength(3);
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
  });

  it('ingests an upload through bull on the cluster and pushes progress and the notification over the sharded adapter', async () => {
    const owner = await register('rcupload');
    const socket = await connectSocket(baseUrl, { token: owner.token });
    sockets.push(socket);
    const id = await uploadOne(http, owner, 'minimal-document.pdf', undefined, 'application/pdf');
    await waitFor(
      async () => {
        const res = await http.get(`/api/v1/documents/${id}`).set(bearer(owner.token));
        return res.body.status === 'completed';
      },
      60_000,
      250,
    );
    await waitFor(async () => socket.of('notification').length > 0, 15_000);
    const [notification] = socket.of<{ type: string; data: { documentId?: string } }>(
      'notification',
    );
    expect(notification.type).toBe('ingestion.completed');
    const progress = socket.of<{ documentId: string; status: string }>('ingestion.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((event) => event.documentId === id)).toBe(true);
    expect(progress.at(-1)?.status).toBe('completed');
    // the queue's keys share one hash tag, so they are all in one slot
    const prefix = bullPrefix(settings, QUEUES.ingestion);
    expect(prefix).toMatch(/\{ingestion\}$/);
    const slot = keySlot(`${prefix}:ingestion:wait`);
    for (const suffix of ['id', 'active', 'completed', 'stalled-check', `${id}`]) {
      expect(keySlot(`${prefix}:ingestion:${suffix}`)).toBe(slot);
    }
    // the unread count is cached (cache-manager on the cluster) and follows the notification
    const count = await http
      .get('/api/v1/notifications/unread-count')
      .set(bearer(owner.token))
      .expect(200);
    expect(count.body).toEqual({ count: 1 });
  });

  it('keeps chat history, and the chat rate limit answers 429 with Retry-After', async () => {
    const user = await register('rcchat');
    const session = await http.post(SESSIONS).set(bearer(user.token)).send({}).expect(201);
    const sessionId = session.body.id as string;
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < CHAT_LIMIT + 1; i += 1) {
      const res = await http
        .post(`${SESSIONS}/${sessionId}/messages`)
        .set(bearer(user.token))
        .send({ content: `question ${i}` });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses).toEqual([...Array<number>(CHAT_LIMIT).fill(201), 429]);
    expect(limited?.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(limited?.body.code).toBe('rate_limited');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);

    const history = await http
      .get(`${SESSIONS}/${sessionId}/messages`)
      .set(bearer(user.token))
      .expect(200);
    const items = history.body.items as { role: string; content: string }[];
    expect(items).toHaveLength(CHAT_LIMIT * 2);
    expect(items.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(
      Array.from({ length: CHAT_LIMIT }, (_, i) => `question ${i}`),
    );
    const list = await http.get(SESSIONS).set(bearer(user.token)).expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([sessionId]);
  });

  it('locks an account after the threshold of wrong passwords', async () => {
    const user = await register('rclock');
    for (let i = 0; i < LOCKOUT_THRESHOLD; i += 1) {
      const res = await http
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: `${user.password} wrong` });
      expect(res.status).toBe(401);
    }
    const right = await http
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('account_locked');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('rotates refresh tokens, and a revoked session is refused at once (revocation keys over several slots)', async () => {
    const user = await register('rcrefresh');
    const rotated = await http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(200);
    expect(rotated.body.refreshToken).not.toBe(user.refreshToken);
    const again = await http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: rotated.body.refreshToken })
      .expect(200);
    await http.get('/api/v1/auth/me').set(bearer(again.body.accessToken)).expect(200);

    const socket = await connectSocket(baseUrl, { token: again.body.accessToken });
    sockets.push(socket);
    await http.post('/api/v1/auth/logout-all').set(bearer(again.body.accessToken)).expect(204);
    const me = await http.get('/api/v1/auth/me').set(bearer(again.body.accessToken));
    expect(me.status).toBe(401);
    // the api's disconnect reaches the socket through the sharded adapter
    await expect(socket.disconnected).resolves.toBe('io server disconnect');
  });

  it('the chat index pruning (SCAN) visits every master', async () => {
    // users until their chat indexes are on every master
    const users: User[] = [];
    const sessions: string[] = [];
    const masters = new Set<number>();
    while (masters.size < 3 || users.length < 6) {
      const user = await register('rcprune');
      const session = await http.post(SESSIONS).set(bearer(user.token)).send({}).expect(201);
      users.push(user);
      sessions.push(session.body.id);
      masters.add(await masterOf(keySlot(`${settings.keyPrefix}${userIndexKey(user.id)}`)));
      expect(users.length).toBeLessThan(40);
    }
    // each session disappears behind its index's back: the index entries now dangle
    for (const id of sessions) {
      await redis.del(`${settings.keyPrefix}${metaKey(id)}`);
      await redis.del(`${settings.keyPrefix}${messagesKey(id)}`);
    }
    // bull does not close the connections it got from createClient
    const connections: Cluster[] = [];
    const queue = new Bull(QUEUES.maintenance, {
      prefix: bullPrefix(settings, QUEUES.maintenance),
      createClient: (type) => {
        const client = createRedisClient(settings, {
          name: `test-bull-${type}`,
          keyPrefix: false,
          overrides:
            type === 'client' ? {} : { maxRetriesPerRequest: null, enableReadyCheck: false },
        }) as Cluster;
        connections.push(client);
        return client;
      },
    });
    try {
      const job = await queue.add(JOBS.maintenance.chatPruneIndex, {
        task: JOBS.maintenance.chatPruneIndex,
      });
      const result = (await job.finished()) as { indexes: number; removed: number };
      expect(result.removed).toBeGreaterThanOrEqual(users.length);
      expect(result.indexes).toBeGreaterThanOrEqual(users.length);
    } finally {
      await queue.close();
      await Promise.all(connections.map((client) => closeRedisClient(client)));
    }
    for (const user of users) {
      expect(await redis.zcard(`${settings.keyPrefix}${userIndexKey(user.id)}`)).toBe(0);
    }
  });

  it('a master killed with SIGKILL is replaced by its replica; requests answer 503 at worst, never 401', async () => {
    const user = await register('rcfailover');
    const session = await http.post(SESSIONS).set(bearer(user.token)).send({}).expect(201);
    // the master holding this user's state (read by the guard on every request)
    const slot = keySlot(`${settings.keyPrefix}auth:user:${user.id}`);
    const victim = await masterOf(slot);
    const replica = (await cluster.topology()).find(
      (node) => node.role === 'slave' && node.masterPort === victim,
    );
    expect(replica).toBeDefined();

    const socket = await connectSocket(baseUrl, { token: user.token });
    sockets.push(socket);

    const answers: {
      at: number;
      ms: number;
      status: number;
      retryAfter?: string;
      code?: string;
    }[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const started = Date.now();
        const results = await Promise.all([
          http.get('/api/v1/auth/me').set(bearer(user.token)).timeout(15_000),
          http
            .get(`${SESSIONS}/${session.body.id as string}/messages`)
            .set(bearer(user.token))
            .timeout(15_000),
        ]).catch((error: Error) => [{ status: 0, headers: {}, body: { code: error.message } }]);
        for (const res of results) {
          answers.push({
            at: started,
            ms: Date.now() - started,
            status: res.status,
            retryAfter: (res.headers as Record<string, string>)['retry-after'],
            code: (res.body as { code?: string } | undefined)?.code,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    let killedAt = 0;
    let promotedAt = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      killedAt = Date.now();
      cluster.kill(victim);
      // the replica is promoted and serves the slot
      await waitFor(
        async () => (await masterOf(slot).catch(() => 0)) === replica!.port,
        60_000,
        100,
      );
      promotedAt = Date.now();
      // requests succeed again
      await waitFor(async () => answers.some((a) => a.at > promotedAt && a.status === 200), 30_000);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      stop = true;
      await load;
    }
    const recoveredAt =
      answers.find((a) => a.at >= killedAt && a.status === 200 && a.at > promotedAt)?.at ??
      promotedAt;

    const afterKill = answers.filter((a) => a.at >= killedAt);
    const byStatus = afterKill.reduce<Record<number, number>>((acc, a) => {
      acc[a.status] = (acc[a.status] ?? 0) + 1;
      return acc;
    }, {});
    const firstFailure = afterKill.find((a) => a.status !== 200);
    const lastFailure = afterKill.filter((a) => a.status !== 200).at(-1);
    process.stdout.write(
      `Redis Cluster failover: replica promoted ${promotedAt - killedAt} ms after SIGKILL ` +
        `(cluster-node-timeout 2000 ms); answers after the kill ${JSON.stringify(byStatus)}; ` +
        `failures from +${firstFailure ? firstFailure.at - killedAt : 0} ms ` +
        `to +${lastFailure ? lastFailure.at - killedAt : 0} ms; ` +
        `first 200 after promotion at +${recoveredAt - killedAt} ms; ` +
        `slowest answer ${Math.max(...afterKill.map((a) => a.ms))} ms\n`,
    );
    // never a false 401 (nor 403/500): an outage answer is 503 with Retry-After
    for (const answer of afterKill) {
      if (answer.status === 200) continue;
      expect({ status: answer.status, code: answer.code }).toEqual({
        status: 503,
        code: 'dependency_unavailable',
      });
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    // and the last answers are all successes
    expect(answers.slice(-4).map((a) => a.status)).toEqual([200, 200, 200, 200]);

    // the journey goes on after the failover: a new upload is ingested
    const pdf = await corpus('minimal-document.pdf');
    const id = await uploadOne(http, user, 'after-failover.pdf', pdf, 'application/pdf');
    await waitFor(
      async () => {
        const res = await http.get(`/api/v1/documents/${id}`).set(bearer(user.token));
        return res.body.status === 'completed';
      },
      60_000,
      250,
    );
    // the socket opened before the failover still gets the user's notifications
    await waitFor(async () => socket.of('notification').length > 0, 15_000);
    expect(socket.of<{ type: string }>('notification')[0].type).toBe('ingestion.completed');
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
  });
});
