import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Redis from 'ioredis';
import { Client } from 'pg';
import request from 'supertest';
import { type ApiProcess, ensureBuiltApi, spawnBuiltApi } from './support/built-worker';
import { deleteKeysWithPrefix } from './support/redis-keys';
import { TEST_DATABASE_URL } from './support/services';
import { type SmtpCapture, startSmtp } from './support/smtp';

/**
 * Issue 20 point 3, data continuity: an installation of an earlier release, captured by
 * test/upgrade/make-fixture.js into test/fixtures/upgrade-<release>/ (its PostgreSQL dump with the
 * migration history as that release's MikroORM wrote it, its Redis keys, its encrypted storage
 * folder), is loaded into a fresh database, Redis prefix and storage folder, brought up to date
 * by this checkout's `npm run migration:up` (scripts/migrate.js up), and read back through the
 * built api of this checkout with the fixture's settings: old passwords, an old refresh token,
 * documents and their chunks, the original bytes of every file, search, the encrypted chat
 * history, notifications, the audit log and a share. Every fixture folder is tested.
 */

const ROOT = join(__dirname, '..');
const FIXTURES = join(__dirname, 'fixtures');

interface Manifest {
  release: { id: string; commit: string; mikroOrm: string };
  settings: Record<string, string>;
  redisPrefix: string;
  migrations: { id: number; name: string; executed_at: string }[];
  tables: Record<string, number>;
  users: {
    id: string;
    email: string;
    password: string;
    displayName: string;
    role: string;
    refreshToken?: string;
  }[];
  documents: {
    id: string;
    ownerEmail: string;
    filename: string;
    sha256: string;
    sizeBytes: number;
    mimeType: string;
    status: string;
    chunkCount: number;
    pageCount: number | null;
    searchPhrase: string;
  }[];
  shares: { documentId: string; userEmail: string; permission: string }[];
  chats: {
    ownerEmail: string;
    sessionId: string;
    title: string;
    documentIds: string[];
    messages: { id: string; role: string; content: string; citations?: string[] }[];
  }[];
  notifications: { id: string; type: string; email: string }[];
  audit: { id: string; action: string }[];
}

interface RedisEntry {
  key: string;
  pttl: number;
  dump: string;
}

const fixtureDirs = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter((name) => name.startsWith('upgrade-'))
  : [];

const MIGRATION_ROWS = `select id, name,
  to_char(executed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as executed_at
  from mikro_orm_migrations order by id`;

function run(command: string, args: string[], env: Record<string, string>, input?: Buffer) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

it('has a fixture of an earlier release to upgrade from', () => {
  expect(fixtureDirs.length).toBeGreaterThan(0);
});

describe.each(fixtureDirs)('upgrade in place from fixtures/%s', (name) => {
  const dir = join(FIXTURES, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const tag = randomBytes(4).toString('hex');
  const database = `docent_upgrade_${tag}`;
  const appRole = `docent_upgrade_app_${tag}`;
  const appPassword = randomBytes(18).toString('base64url');
  const prefix = `${process.env.DOCENT_TEST_REDIS_PREFIX ?? 'docent-test:'}upgrade-${tag}:`;
  const ownerUrl = new URL(TEST_DATABASE_URL);
  ownerUrl.pathname = `/${database}`;
  const appUrl = new URL(ownerUrl);
  appUrl.username = appRole;
  appUrl.password = appPassword;

  let storage: string;
  let redis: Redis;
  let smtp: SmtpCapture;
  let api: ApiProcess | undefined;
  let http: ReturnType<typeof request>;
  let migrated: string;
  let migrationsBefore: Manifest['migrations'];
  let migrationsAfter: Manifest['migrations'];
  let tablesAfter: Record<string, number>;
  const tokens = new Map<string, string>();

  const user = (email: string) => manifest.users.find((u) => u.email === email)!;
  /** A fresh access token for a fixture user, from a login with the password of the old release. */
  const tokenOf = async (email: string): Promise<string> => {
    const cached = tokens.get(email);
    if (cached) return cached;
    const res = await http
      .post('/api/v1/auth/login')
      .send({ email, password: user(email).password })
      .expect(200);
    tokens.set(email, res.body.accessToken as string);
    return res.body.accessToken as string;
  };
  const listAll = async <T>(route: string, token: string): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const res = await http
        .get(route)
        .query({ limit: 100, ...(cursor ? { cursor } : {}) })
        .set(bearer(token))
        .expect(200);
      items.push(...(res.body.items as T[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return items;
  };

  beforeAll(async () => {
    // 1. the old release's database, as pg_dump wrote it
    await query(TEST_DATABASE_URL, `create database "${database}"`);
    run(
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--dbname', ownerUrl.toString()],
      {},
      gunzipSync(readFileSync(join(dir, 'database.sql.gz'))),
    );
    migrationsBefore = await query(ownerUrl.toString(), MIGRATION_ROWS);

    // 2. its Redis keys under a prefix of this run, 3. its storage folder in a temporary one
    redis = new Redis(process.env.DOCENT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    const entries = JSON.parse(readFileSync(join(dir, 'redis.json'), 'utf8')) as RedisEntry[];
    for (const entry of entries) {
      await redis.restore(
        `${prefix}${entry.key}`,
        entry.pttl > 0 ? entry.pttl : 0,
        Buffer.from(entry.dump, 'base64'),
        'REPLACE',
      );
    }
    storage = mkdtempSync(join(tmpdir(), 'docent-upgrade-storage-'));
    cpSync(join(dir, 'storage'), storage, { recursive: true });

    // 4. this checkout's migrator, the code path of `npm run migration:up` (built as it would be)
    ensureBuiltApi();
    const migrateEnv = {
      ...manifest.settings,
      DATABASE_URL: ownerUrl.toString(),
      DATABASE_APP_ROLE: appRole,
      DATABASE_APP_PASSWORD: appPassword,
    };
    migrated = run(process.execPath, ['scripts/migrate.js', 'up'], migrateEnv);
    migrationsAfter = await query(ownerUrl.toString(), MIGRATION_ROWS);
    tablesAfter = {};
    for (const table of Object.keys(manifest.tables)) {
      const [row] = await query<{ n: number }>(
        ownerUrl.toString(),
        `select count(*)::int as n from "${table}"`,
      );
      tablesAfter[table] = row.n;
    }

    // 5. this checkout's built api, with the fixture's settings and the restored state
    smtp = await startSmtp();
    api = await spawnBuiltApi({
      ...manifest.settings,
      LOG_LEVEL: 'warn',
      DATABASE_URL: appUrl.toString(),
      REDIS_URL: process.env.DOCENT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      STORAGE_DIR: storage,
      SMTP_URL: smtp.url,
      RATE_LIMIT: '10000/1m',
      RATE_LIMIT_AUTH: '10000/1m',
      RATE_LIMIT_CHAT: '10000/1m',
      SHUTDOWN_GRACE_PERIOD: '0',
    });
    http = request(api.baseUrl);
  }, 240_000);

  afterAll(async () => {
    if (api) {
      api.child.kill('SIGTERM');
      await api.exited;
    }
    await smtp?.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
    if (storage) rmSync(storage, { recursive: true, force: true });
    await query(TEST_DATABASE_URL, `drop database if exists "${database}" with (force)`);
    await query(TEST_DATABASE_URL, `drop role if exists "${appRole}"`);
  }, 60_000);

  it('the dump holds the migration history the old release wrote', () => {
    expect(migrationsBefore).toEqual(manifest.migrations);
    expect(migrationsBefore.length).toBeGreaterThan(0);
  });

  it('migration:up keeps that history row for row, leaves nothing pending and loses no rows', () => {
    expect(migrated).toMatch(/applied: |database is up to date/);
    expect(migrationsAfter.slice(0, migrationsBefore.length)).toEqual(migrationsBefore);
    expect(migrationsAfter.length).toBeGreaterThanOrEqual(migrationsBefore.length);
    const pending = run(process.execPath, ['scripts/migrate.js', 'pending'], {
      ...manifest.settings,
      DATABASE_URL: ownerUrl.toString(),
    });
    expect(pending).toMatch(/no pending migrations/);
    const { mikro_orm_migrations: historyBefore, ...dataBefore } = manifest.tables;
    const { mikro_orm_migrations: historyAfter, ...dataAfter } = tablesAfter;
    expect(dataAfter).toEqual(dataBefore);
    expect(historyAfter).toBeGreaterThanOrEqual(historyBefore);
  });

  it('every user signs in with the password set under the old release', async () => {
    for (const old of manifest.users) {
      const res = await http
        .post('/api/v1/auth/login')
        .send({ email: old.email, password: old.password })
        .expect(200);
      expect(res.body.user).toMatchObject({
        id: old.id,
        email: old.email,
        displayName: old.displayName,
        role: old.role,
      });
      tokens.set(old.email, res.body.accessToken as string);
    }
    await http
      .post('/api/v1/auth/login')
      .send({ email: manifest.users[0].email, password: `${manifest.users[0].password}x` })
      .expect(401);
  });

  it('a refresh token issued by the old release still refreshes', async () => {
    const holder = manifest.users.find((u) => u.refreshToken)!;
    const res = await http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: holder.refreshToken })
      .expect(200);
    expect(res.body.refreshToken).not.toBe(holder.refreshToken);
    const me = await http.get('/api/v1/auth/me').set(bearer(res.body.accessToken)).expect(200);
    expect(me.body).toMatchObject({ id: holder.id, email: holder.email });
  });

  it('documents are listed completed with their chunk counts, and their files are the bytes uploaded', async () => {
    for (const owner of new Set(manifest.documents.map((d) => d.ownerEmail))) {
      const token = await tokenOf(owner);
      const listed = await listAll<Manifest['documents'][number]>('/api/v1/documents', token);
      for (const old of manifest.documents.filter((d) => d.ownerEmail === owner)) {
        expect(listed.find((d) => d.id === old.id)).toMatchObject({
          filename: old.filename,
          mimeType: old.mimeType,
          sizeBytes: old.sizeBytes,
          status: 'completed',
          chunkCount: old.chunkCount,
          pageCount: old.pageCount,
        });
        const file = await http
          .get(`/api/v1/documents/${old.id}/content`)
          .set(bearer(token))
          .buffer(true)
          .parse((res, done) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => done(null, Buffer.concat(chunks)));
          })
          .expect(200);
        expect(sha256(file.body as Buffer)).toBe(old.sha256);
      }
    }
  });

  it("search finds each document's phrase in its chunks", async () => {
    for (const old of manifest.documents) {
      const res = await http
        .get('/api/v1/search')
        .query({ q: old.searchPhrase })
        .set(bearer(await tokenOf(old.ownerEmail)))
        .expect(200);
      const hit = (res.body.items as { documentId: string; snippet: string }[]).find(
        (item) => item.documentId === old.id,
      );
      expect(hit).toBeDefined();
    }
  });

  it('the encrypted chat history reads back: titles, questions, answers, citations; and it goes on', async () => {
    for (const chat of manifest.chats) {
      const token = await tokenOf(chat.ownerEmail);
      const sessions = await listAll<{ id: string; title: string; documentIds: string[] | null }>(
        '/api/v1/chat/sessions',
        token,
      );
      expect(sessions.find((s) => s.id === chat.sessionId)).toMatchObject({
        title: chat.title,
        documentIds: chat.documentIds,
      });
      const page = await http
        .get(`/api/v1/chat/sessions/${chat.sessionId}/messages`)
        .query({ limit: 100 })
        .set(bearer(token))
        .expect(200);
      const messages = page.body.items as {
        id: string;
        role: string;
        content: string;
        citations: { documentId: string }[];
      }[];
      expect(
        messages.map((m) => ({
          id: m.id,
          role: m.role,
          content: m.content,
          ...(m.role === 'assistant' ? { citations: m.citations.map((c) => c.documentId) } : {}),
        })),
      ).toEqual(chat.messages);
      // a new question in the old session: the sealed history is used, not just displayed
      await http
        .post(`/api/v1/chat/sessions/${chat.sessionId}/messages`)
        .set(bearer(token))
        .send({ content: chat.messages[0].content })
        .expect(201);
      const after = await http
        .get(`/api/v1/chat/sessions/${chat.sessionId}/messages`)
        .query({ limit: 100 })
        .set(bearer(token))
        .expect(200);
      expect(after.body.items).toHaveLength(chat.messages.length + 2);
    }
  });

  it('notifications of the old release are still there', async () => {
    for (const email of new Set(manifest.notifications.map((n) => n.email))) {
      const listed = await listAll<{ id: string; type: string }>(
        '/api/v1/notifications',
        await tokenOf(email),
      );
      for (const old of manifest.notifications.filter((n) => n.email === email)) {
        expect(listed).toContainEqual(expect.objectContaining({ id: old.id, type: old.type }));
      }
    }
  });

  it('the admin audit log lists every event of the old release', async () => {
    const admin = manifest.users.find((u) => u.role === 'admin')!;
    const listed = await listAll<{ id: string; action: string }>(
      '/api/v1/admin/audit-events',
      await tokenOf(admin.email),
    );
    expect(listed.length).toBeGreaterThanOrEqual(manifest.audit.length);
    for (const old of manifest.audit) {
      expect(listed).toContainEqual(expect.objectContaining({ id: old.id, action: old.action }));
    }
  });

  it('a share made under the old release still grants access', async () => {
    for (const share of manifest.shares) {
      const doc = manifest.documents.find((d) => d.id === share.documentId)!;
      const sharee = await tokenOf(share.userEmail);
      const shares = await http
        .get(`/api/v1/documents/${doc.id}/shares`)
        .set(bearer(await tokenOf(doc.ownerEmail)))
        .expect(200);
      expect(shares.body.items).toContainEqual(
        expect.objectContaining({ email: share.userEmail, permission: share.permission }),
      );
      const seen = await http.get(`/api/v1/documents/${doc.id}`).set(bearer(sharee)).expect(200);
      expect(seen.body).toMatchObject({ id: doc.id, status: 'completed' });
      const res = await http
        .get('/api/v1/search')
        .query({ q: doc.searchPhrase })
        .set(bearer(sharee))
        .expect(200);
      expect(res.body.items).toContainEqual(expect.objectContaining({ documentId: doc.id }));
    }
    // and nobody else's: the sharee does not see a document of the owner that was not shared
    const share = manifest.shares[0];
    const owner = manifest.documents.find((d) => d.id === share.documentId)!.ownerEmail;
    const unshared = manifest.documents.find(
      (d) => d.ownerEmail === owner && !manifest.shares.some((s) => s.documentId === d.id),
    )!;
    await http
      .get(`/api/v1/documents/${unshared.id}`)
      .set(bearer(await tokenOf(share.userEmail)))
      .expect(404);
  });
});
