import { EntityManager } from '@mikro-orm/postgresql';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messagesKey } from '@docent/chat';
import { Document } from '@docent/documents';
import { uploadOne, waitForStatus } from './support/documents';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';

const SESSIONS = '/api/v1/chat/sessions';
const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

/**
 * Rotating the data-encryption key, as docs/operations.md describes it (issue 16): add the new
 * key, make it active, restart. Files and chat history written under the old key still read;
 * what is written from then on names the new key. Both stacks share the database, Redis prefix
 * and storage folder, as a restarted deployment does.
 */
describe('data-encryption key rotation', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  afterAll(() => rmSync(kept.STORAGE_DIR, { recursive: true, force: true }));

  // what a restarted deployment keeps: its Redis prefix, storage folder and token secret
  const kept = {
    REDIS_KEY_PREFIX: `${process.env.DOCENT_TEST_REDIS_PREFIX ?? 'test:'}rotate${randomBytes(4).toString('hex')}:`,
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'docent-test-rotation-')),
    JWT_ACCESS_SECRET: randomBytes(48).toString('base64'),
  };

  const start = (keys: string, active: string) =>
    startStack(
      {
        ...kept,
        DATA_ENCRYPTION_KEYS: keys,
        DATA_ENCRYPTION_ACTIVE_KEY: active,
        RATE_LIMIT_CHAT: '100/1m',
      },
      { worker: true },
    );

  /** The key id in a stored file's header (segmented-stream.ts: magic, version, size, id). */
  function fileKeyId(s: Stack, storageKey: string): string {
    const fd = openSync(join(s.config.storage.dir, ...storageKey.split('/')), 'r');
    try {
      const header = Buffer.alloc(64);
      readSync(fd, header, 0, 64, 0);
      expect(header.subarray(0, 4).toString('ascii')).toBe('DCNT');
      const length = header[9];
      return header.subarray(10, 10 + length).toString('ascii');
    } finally {
      closeSync(fd);
    }
  }

  async function storageKeyOf(s: Stack, id: string): Promise<string> {
    const document = await s.api.get(EntityManager).fork().findOneOrFail(Document, { id });
    return document.storageKey;
  }

  async function sealedMessages(s: Stack, sessionId: string): Promise<string> {
    const raw = new Redis(s.config.redis.url);
    try {
      const key = `${s.config.redis.keyPrefix}${messagesKey(sessionId)}`;
      return (await raw.lrange(key, 0, -1)).join('\n');
    } finally {
      raw.disconnect();
    }
  }

  async function ask(s: Stack, user: SignedUp, sessionId: string, content: string) {
    await s.http
      .post(`${SESSIONS}/${sessionId}/messages`)
      .set(bearer(user.token))
      .send({ content })
      .expect(201);
  }

  it('keeps old files and chat history readable after a new key becomes active', async () => {
    const oldText = `The lighthouse of Varn was rebuilt in 1911 after the storm ${randomBytes(4).toString('hex')}.`;
    stack = await start(k1, 'k1');
    const user = await signUp(stack, { prefix: 'rotate' });
    const oldId = await uploadOne(stack.http, user, 'varn.txt', oldText, 'text/plain');
    await waitForStatus(stack, [oldId]);
    const session = (await stack.http.post(SESSIONS).set(bearer(user.token)).send({}).expect(201))
      .body as { id: string };
    await ask(stack, user, session.id, 'When was the lighthouse of Varn rebuilt?');
    expect(fileKeyId(stack, await storageKeyOf(stack, oldId))).toBe('k1');
    expect(await sealedMessages(stack, session.id)).toMatch(/v1\.k1\./);
    await stack.close();

    // add k2, make it active, restart
    stack = await start(`${k1},${k2}`, 'k2');
    const oldFile = await stack.http
      .get(`/api/v1/documents/${oldId}/content`)
      .set(bearer(user.token))
      .expect(200);
    expect(oldFile.text).toBe(oldText);
    const history = await stack.http
      .get(`${SESSIONS}/${session.id}/messages`)
      .set(bearer(user.token))
      .expect(200);
    const contents = (history.body.items as { content: string }[]).map((m) => m.content);
    expect(contents).toContain('When was the lighthouse of Varn rebuilt?');

    const newText = `The harbour wall of Varn dates from 1850 ${randomBytes(4).toString('hex')}.`;
    const newId = await uploadOne(stack.http, user, 'harbour.txt', newText, 'text/plain');
    await waitForStatus(stack, [newId]);
    expect(fileKeyId(stack, await storageKeyOf(stack, newId))).toBe('k2');
    const newFile = await stack.http
      .get(`/api/v1/documents/${newId}/content`)
      .set(bearer(user.token))
      .expect(200);
    expect(newFile.text).toBe(newText);
    await ask(stack, user, session.id, 'When does the harbour wall of Varn date from?');
    const sealed = await sealedMessages(stack, session.id);
    expect(sealed).toMatch(/v1\.k1\./);
    expect(sealed).toMatch(/v1\.k2\./);
    // the new document was ingested by the worker under the new key: searchable
    const hits = await stack.http
      .get('/api/v1/search')
      .set(bearer(user.token))
      .query({ q: 'harbour wall' })
      .expect(200);
    expect((hits.body.items as { documentId: string }[]).map((h) => h.documentId)).toContain(newId);
  }, 120_000);
});
