import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import {
  ChatHistoryRepository,
  CHAT_PRUNE_EVERY_MS,
  messagesKey,
  metaKey,
  userIndexKey,
} from '@docent/chat';
import { CryptoError } from '@docent/crypto';
import { JOBS, MaintenanceTasks, QUEUES } from '@docent/queue';
import { waitFor } from './support/http';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';
import { scanKeys } from './support/redis-keys';

type Http = ReturnType<typeof request>;
const SESSIONS = '/api/v1/chat/sessions';
const CAP = 4;

const key = () => randomBytes(32).toString('base64');

/** A raw connection without the key prefix: what an operator (or an attacker) sees in Redis. */
function rawRedis(stack: Stack): Redis {
  return new Redis(stack.config.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
}

async function createSession(http: Http, caller: SignedUp, body: Record<string, unknown> = {}) {
  const res = await http.post(SESSIONS).set(bearer(caller.token)).send(body).expect(201);
  return res.body as { id: string; title: string };
}

async function ask(http: Http, caller: SignedUp, id: string, content: string) {
  const res = await http
    .post(`${SESSIONS}/${id}/messages`)
    .set(bearer(caller.token))
    .send({ content })
    .expect(201);
  return res.body as { userMessage: { id: string }; assistantMessage: { id: string } };
}

describe('chat history in Redis (layout, TTLs, cap, encryption at rest)', () => {
  const prefix = `${process.env.DOCENT_TEST_REDIS_PREFIX}chat${randomBytes(3).toString('hex')}:`;
  const jwtSecret = randomBytes(48).toString('base64');
  const oldKey = key();
  let stack: Stack;
  let http: Http;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack({
      REDIS_KEY_PREFIX: prefix,
      JWT_ACCESS_SECRET: jwtSecret,
      DATA_ENCRYPTION_KEYS: `k1:${oldKey}`,
      CHAT_MAX_MESSAGES: String(CAP),
      RATE_LIMIT_CHAT: '1000/1m',
    });
    http = stack.http;
    redis = rawRedis(stack);
  });

  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
  });

  const register = () => signUp(stack, { prefix: 'chatredis' });
  const ttlMs = () => stack.config.chat.sessionTtlMs;

  /** Every chat key of this stack with its PTTL. */
  async function chatKeys(): Promise<Map<string, number>> {
    const keys = await scanKeys(redis, `${prefix}chat:*`);
    const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
    return new Map(keys.map((k, i) => [k, ttls[i]]));
  }

  async function expectAllKeysExpire(sessionId: string, userId: string, withMessages: boolean) {
    const expected = [prefix + metaKey(sessionId), prefix + userIndexKey(userId)];
    if (withMessages) expected.push(prefix + messagesKey(sessionId));
    for (const name of expected) {
      const pttl = await redis.pttl(name);
      expect({ name, ok: pttl > 0 && pttl <= ttlMs() }).toEqual({ name, ok: true });
    }
    // and nothing chat-related anywhere lives without a TTL
    for (const [name, pttl] of await chatKeys()) {
      expect({ name, pttl: pttl > 0 }).toEqual({ name, pttl: true });
    }
  }

  it('uses one hash tag per session and gives every key a TTL after every write path', async () => {
    const owner = await register();
    const session = await createSession(http, owner, { title: 'Tagged' });
    expect(await redis.exists(prefix + `chat:{${session.id}}:meta`)).toBe(1);
    await expectAllKeysExpire(session.id, owner.id, false);

    await http
      .patch(`${SESSIONS}/${session.id}`)
      .set(bearer(owner.token))
      .send({ title: 'Renamed' })
      .expect(200);
    await expectAllKeysExpire(session.id, owner.id, false);

    await ask(http, owner, session.id, 'First question about nothing');
    await expectAllKeysExpire(session.id, owner.id, true);
    await http
      .patch(`${SESSIONS}/${session.id}`)
      .set(bearer(owner.token))
      .send({ title: 'Renamed again' })
      .expect(200);
    await expectAllKeysExpire(session.id, owner.id, true);

    // index score = last activity; the member is the session id
    const score = await redis.zscore(prefix + userIndexKey(owner.id), session.id);
    const meta = await http.get(`${SESSIONS}/${session.id}`).set(bearer(owner.token)).expect(200);
    expect(Number(score)).toBe(Date.parse(meta.body.lastActivityAt));

    await http.delete(`${SESSIONS}/${session.id}`).set(bearer(owner.token)).expect(204);
    expect(await redis.exists(prefix + metaKey(session.id), prefix + messagesKey(session.id))).toBe(
      0,
    );
    expect(await redis.zscore(prefix + userIndexKey(owner.id), session.id)).toBeNull();
  });

  it('never keeps more than CHAT_MAX_MESSAGES in the list', async () => {
    const owner = await register();
    const session = await createSession(http, owner);
    for (let i = 0; i < 5; i += 1) {
      await ask(http, owner, session.id, `Question ${i} about nothing`);
      expect(await redis.llen(prefix + messagesKey(session.id))).toBeLessThanOrEqual(CAP);
    }
    expect(await redis.llen(prefix + messagesKey(session.id))).toBe(CAP);
    expect(await redis.hget(prefix + metaKey(session.id), 'messageCount')).toBe(String(CAP));
  });

  it('stores no plaintext: messages, citations and titles are sealed (key id in each value)', async () => {
    const owner = await register();
    const title = `Secret title ${randomBytes(4).toString('hex')}`;
    const question = `Confidential question ${randomBytes(4).toString('hex')}`;
    const session = await createSession(http, owner, { title });
    const result = await ask(http, owner, session.id, question);

    const elements = await redis.lrange(prefix + messagesKey(session.id), 0, -1);
    expect(elements).toHaveLength(2);
    expect(elements[0].startsWith(`${result.userMessage.id}|v1.k1.`)).toBe(true);
    expect(elements[1].startsWith(`${result.assistantMessage.id}|v1.k1.`)).toBe(true);
    const hash = await redis.hgetall(prefix + metaKey(session.id));
    expect(hash.title.startsWith('v1.k1.')).toBe(true);
    const everything = JSON.stringify([elements, hash]);
    for (const secret of [title, question, 'Confidential', 'Secret title']) {
      expect(everything).not.toContain(secret);
    }
    // and the keys' bytes too
    for (const name of (await chatKeys()).keys()) expect(name).not.toContain('Confidential');
  });

  it('fails loudly on a flipped bit, a truncated tag, or a value moved to another session', async () => {
    const owner = await register();
    const session = await createSession(http, owner);
    const result = await ask(http, owner, session.id, 'Tamper with this question');
    const listKey = prefix + messagesKey(session.id);
    const original = await redis.lindex(listKey, 0);
    const [id, token] = original!.split('|');
    const parts = token.split('.');
    const repository = stack.api.get(ChatHistoryRepository);
    // a page is decrypted when opened (after the owner check)
    const opened = async (sessionId: string) => (await repository.page(sessionId, 10)).open();

    // one bit of the ciphertext flipped
    const ciphertext = Buffer.from(parts[3], 'base64url');
    ciphertext[0] ^= 0x01;
    const flipped = [...parts.slice(0, 3), ciphertext.toString('base64url'), parts[4]].join('.');
    await redis.lset(listKey, 0, `${id}|${flipped}`);
    await expect(opened(session.id)).rejects.toMatchObject({
      code: 'crypto_auth_failed',
    });
    const failed = await http
      .get(`${SESSIONS}/${session.id}/messages`)
      .set(bearer(owner.token))
      .expect(500);
    expect(failed.body.code).toBe('crypto_auth_failed');
    expect(JSON.stringify(failed.body)).not.toContain('Tamper');

    // a tag cut to 12 bytes
    const shortTag = Buffer.from(parts[4], 'base64url').subarray(0, 12).toString('base64url');
    await redis.lset(listKey, 0, `${id}|${[...parts.slice(0, 4), shortTag].join('.')}`);
    const truncated = opened(session.id);
    await expect(truncated).rejects.toBeInstanceOf(CryptoError);
    await expect(truncated).rejects.toMatchObject({ code: 'crypto_malformed' });

    // the intact value under another message id (AAD binds session and message)
    await redis.lset(listKey, 0, `${result.assistantMessage.id}|${token}`);
    await expect(opened(session.id)).rejects.toMatchObject({
      code: 'crypto_auth_failed',
    });

    // the intact value moved into another session of the same user
    const other = await createSession(http, owner);
    await ask(http, owner, other.id, 'Another question');
    await redis.lset(prefix + messagesKey(other.id), 0, original!);
    await expect(opened(other.id)).rejects.toMatchObject({
      code: 'crypto_auth_failed',
    });

    // restored, it reads again
    await redis.lset(listKey, 0, original!);
    const ok = await http
      .get(`${SESSIONS}/${session.id}/messages`)
      .set(bearer(owner.token))
      .expect(200);
    expect(ok.body.items[0].content).toBe('Tamper with this question');
  });

  it('keeps old messages readable after the active key rotates, and seals new ones with the new key', async () => {
    const owner = await register();
    const session = await createSession(http, owner, { title: 'Before rotation' });
    const before = await ask(http, owner, session.id, 'Asked under the old key');

    const rotated = await startStack({
      REDIS_KEY_PREFIX: prefix,
      JWT_ACCESS_SECRET: jwtSecret,
      DATA_ENCRYPTION_KEYS: `k1:${oldKey},k2:${key()}`,
      DATA_ENCRYPTION_ACTIVE_KEY: 'k2',
      CHAT_MAX_MESSAGES: String(CAP),
      RATE_LIMIT_CHAT: '1000/1m',
    });
    try {
      const read = await rotated.http
        .get(`${SESSIONS}/${session.id}/messages`)
        .set(bearer(owner.token))
        .expect(200);
      expect(read.body.items[0]).toMatchObject({
        id: before.userMessage.id,
        content: 'Asked under the old key',
      });
      const meta = await rotated.http
        .get(`${SESSIONS}/${session.id}`)
        .set(bearer(owner.token))
        .expect(200);
      expect(meta.body.title).toBe('Before rotation');

      const after = await ask(rotated.http, owner, session.id, 'Asked under the new key');
      const elements = await redis.lrange(prefix + messagesKey(session.id), 0, -1);
      expect(elements.map((e) => e.split('|')[1].split('.')[1])).toEqual(['k1', 'k1', 'k2', 'k2']);
      expect(elements[2].startsWith(`${after.userMessage.id}|`)).toBe(true);
      const all = await rotated.http
        .get(`${SESSIONS}/${session.id}/messages`)
        .set(bearer(owner.token))
        .expect(200);
      expect(all.body.items.map((m: { content: string }) => m.content)[2]).toBe(
        'Asked under the new key',
      );
    } finally {
      await rotated.close();
    }
  });
});

describe('chat sessions expire (short CHAT_SESSION_TTL) and the index is pruned', () => {
  let stack: Stack;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack({ CHAT_SESSION_TTL: '2s', RATE_LIMIT_CHAT: '3/1m' }, { worker: true });
    redis = rawRedis(stack);
  });

  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
  });

  it('drops an inactive session from the API and from the index', async () => {
    const prefix = stack.config.redis.keyPrefix;
    const owner = await signUp(stack, { prefix: 'chatttl' });
    const session = await createSession(stack.http, owner);
    await ask(stack.http, owner, session.id, 'A question that will be forgotten');
    const listed = await stack.http.get(SESSIONS).set(bearer(owner.token)).expect(200);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
    expect(listed.body.items[0].expiresAt).toBe(
      new Date(Date.parse(listed.body.items[0].lastActivityAt) + 2000).toISOString(),
    );

    await waitFor(async () => (await redis.exists(prefix + metaKey(session.id))) === 0, 5000, 200);
    await stack.http.get(`${SESSIONS}/${session.id}`).set(bearer(owner.token)).expect(404);
    await stack.http.get(`${SESSIONS}/${session.id}/messages`).set(bearer(owner.token)).expect(404);
    await stack.http
      .post(`${SESSIONS}/${session.id}/messages`)
      .set(bearer(owner.token))
      .send({ content: 'still there?' })
      .expect(404);
    const after = await stack.http.get(SESSIONS).set(bearer(owner.token)).expect(200);
    expect(after.body).toEqual({ items: [], nextCursor: null });
    expect(await redis.exists(prefix + messagesKey(session.id))).toBe(0);
    expect(await redis.zscore(prefix + userIndexKey(owner.id), session.id)).toBeNull();
  });

  it('hides a live-looking index entry whose session is gone, and prunes it', async () => {
    const prefix = stack.config.redis.keyPrefix;
    const owner = await signUp(stack, { prefix: 'chatttl' });
    const session = await createSession(stack.http, owner);
    // a dangling entry (its session deleted behind the index's back) with a fresh score
    const ghost = '01936f00-0000-7000-8000-00000000dead';
    await redis.zadd(prefix + userIndexKey(owner.id), Date.now(), ghost);
    const listed = await stack.http.get(SESSIONS).set(bearer(owner.token)).expect(200);
    expect(listed.body.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
    expect(await redis.zscore(prefix + userIndexKey(owner.id), ghost)).toBeNull();
  });

  it('schedules the repeatable prune job once, and the worker prunes expired and dangling entries', async () => {
    const prefix = stack.config.redis.keyPrefix;
    const queue = stack.worker!.get<Queue>(getQueueToken(QUEUES.maintenance), { strict: false });
    // scheduling again (another replica, a restart) leaves one schedule
    await stack
      .worker!.get(MaintenanceTasks, { strict: false })
      .schedule(JOBS.maintenance.chatPruneIndex);
    const repeatable = (await queue.getRepeatableJobs()).filter(
      (job) => job.name === JOBS.maintenance.chatPruneIndex,
    );
    expect(repeatable).toHaveLength(1);
    expect(Number(repeatable[0].every)).toBe(CHAT_PRUNE_EVERY_MS);

    const userA = randomBytes(8).toString('hex');
    const userB = randomBytes(8).toString('hex');
    const indexA = prefix + userIndexKey(userA);
    const indexB = prefix + userIndexKey(userB);
    // expired by score, and fresh but dangling (no session keys)
    await redis.zadd(indexA, Date.now() - 60_000, 'expired-session');
    await redis.zadd(indexB, Date.now(), 'dangling-session');
    await redis.pexpire(indexA, 60_000);
    await redis.pexpire(indexB, 60_000);

    // run the job now (the schedule's first run is CHAT_PRUNE_EVERY_MS away)
    const job = await queue.add(JOBS.maintenance.chatPruneIndex, { task: 'test' });
    const result = (await job.finished()) as { indexes: number; removed: number };
    expect(result.removed).toBeGreaterThanOrEqual(2);
    expect(await redis.zcard(indexA)).toBe(0);
    expect(await redis.zcard(indexB)).toBe(0);
  });

  it('rate-limits questions per user (RATE_LIMIT_CHAT) with 429 and Retry-After', async () => {
    const owner = await signUp(stack, { prefix: 'chatttl' });
    const other = await signUp(stack, { prefix: 'chatttl' });
    const session = await createSession(stack.http, owner);
    for (let i = 0; i < 3; i += 1) await ask(stack.http, owner, session.id, `Question ${i}`);
    const limited = await stack.http
      .post(`${SESSIONS}/${session.id}/messages`)
      .set(bearer(owner.token))
      .send({ content: 'One too many' })
      .expect(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // reads are not limited by it, and other users have their own budget
    await stack.http.get(`${SESSIONS}/${session.id}/messages`).set(bearer(owner.token)).expect(200);
    const theirs = await createSession(stack.http, other);
    await ask(stack.http, other, theirs.id, 'My first question');
  });
});
