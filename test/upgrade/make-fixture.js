#!/usr/bin/env node
/**
 * Captures an installation of THIS checkout's release as an upgrade-in-place fixture
 * (test/fixtures/upgrade-<release-id>/), which test/upgrade-in-place.e2e-spec.ts later loads,
 * migrates with the release under test and reads back through the api.
 *
 * Run it from a checkout of the release to capture (PostgreSQL and Redis reachable, `pg_dump` on
 * PATH), then copy the folder it writes into the checkout that carries the test:
 *
 *   git checkout <release>            # or git worktree add ../release <release>
 *   npm ci && npm run build           # the built api, worker and migration CLI of that release
 *   node test/upgrade/make-fixture.js [--out <dir>]
 *
 * The script itself only needs what every release has (scripts/migrate.js, the built apps, the
 * HTTP API of SPEC.md, `pg` and `ioredis` in node_modules); copy it into an older checkout if
 * it is not there yet. It creates its own database, PostgreSQL role and Redis key prefix, runs
 * `npm run migration:up` (scripts/migrate.js up), starts the built api and worker, creates data
 * through the api only (an admin, two users, sessions, a Markdown note, a .docx and a PDF ingested
 * to completed, a share, chat questions and answers, notifications, audit events), stops the apps,
 * then dumps:
 *   database.sql.gz  pg_dump --no-owner --no-privileges (mikro_orm_migrations included as written)
 *   redis.json       every key under the prefix (DUMP in base64, PTTL), except transient ones
 *                    that expire within the hour (rate-limit windows, caches, bull's locks)
 *   storage/         STORAGE_DIR as the release wrote it (encrypted with the fixture's key)
 *   manifest.json    the release (git commit, MikroORM version), the settings and what must be
 *                    readable afterwards (users and passwords, documents, chats, notifications...)
 *   README.md        what the folder is, and the licences of the corpus files in storage/
 * and removes the database, role and keys. Settings are fixed fixture-only values (below), never
 * real secrets. Environment: FIXTURE_DATABASE_URL (a role allowed to create databases and roles,
 * default postgresql://postgres@127.0.0.1:5432/postgres), FIXTURE_REDIS_URL (redis://127.0.0.1:6379).
 */
/* global fetch, FormData -- Node's own globals (Node 18+) */
'use strict';
const { Blob, Buffer } = require('node:buffer');
const { setTimeout: sleep } = require('node:timers/promises');
const { URL } = require('node:url');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..', '..');
const { Client } = require(path.join(ROOT, 'node_modules/pg'));
const Redis = require(path.join(ROOT, 'node_modules/ioredis'));
const { SMTPServer } = require(path.join(ROOT, 'node_modules/smtp-server'));

const ADMIN_URL =
  process.env.FIXTURE_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.FIXTURE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const API = path.join(ROOT, 'dist/apps/api/apps/api/src/main.js');
const WORKER = path.join(ROOT, 'dist/apps/worker/apps/worker/src/main.js');

/** Fixture-only settings: published in the manifest, used by nothing but this fixture. */
const SETTINGS = {
  NODE_ENV: 'test',
  JWT_ACCESS_SECRET: 'upgrade-fixture-only-jwt-secret-never-use-in-production-0123456789',
  JWT_ISSUER: 'docent',
  JWT_AUDIENCE: 'docent-api',
  DATA_ENCRYPTION_KEYS: `fx1:${Buffer.from('upgrade-fixture-only-not-secret!').toString('base64')}`,
  DATA_ENCRYPTION_ACTIVE_KEY: 'fx1',
  // long lifetimes, so the fixture's refresh tokens and chats outlive the years it is kept for
  JWT_REFRESH_TTL: '3650d',
  SESSION_IDLE_TTL: '3650d',
  CHAT_SESSION_TTL: '3650d',
  NOTIFICATION_RETENTION: '3650d',
  LLM_PROVIDER: 'extractive',
  ARGON2_MEMORY_KIB: '19456',
  ARGON2_ITERATIONS: '2',
  ARGON2_PARALLELISM: '1',
};

/** Redis keys that expire sooner than this are transient state, left out of the dump. */
const TRANSIENT_MS = 60 * 60 * 1000;

const ADMIN = {
  email: 'admin@upgrade.docent.test',
  password: 'walrus lantern cobalt gravel 7',
  displayName: 'Fixture Admin',
};
const ALICE = {
  email: 'alice@upgrade.docent.test',
  password: 'quartz meadow ferry thimble 42',
  displayName: 'Alice Fixture',
};
const BOB = {
  email: 'bob@upgrade.docent.test',
  password: 'copper hollow pine saddle 93',
  displayName: 'Bob Fixture',
};

const NOTE = [
  '# Harbour maintenance notes',
  '',
  'The lighthouse keeper winds the clockwork lens every evening at dusk.',
  'Barnacles on the north pier are scraped in spring, before the herring season opens.',
  '',
  '## Tides',
  '',
  'A spring tide floods the lower quay twice a month; the tide tables hang in the harbour office.',
  '',
].join('\n');
const BOB_NOTE = 'Bob keeps a list of saffron bread recipes from the island bakery.\n';

const UPLOADS = [
  {
    owner: ALICE,
    filename: 'harbour-notes.md',
    content: Buffer.from(NOTE),
    phrase: 'clockwork lens',
  },
  {
    owner: ALICE,
    filename: 'single-paragraph.docx',
    source: 'single-paragraph.docx',
    phrase: 'imported air',
  },
  {
    owner: ALICE,
    filename: 'minimal-document.pdf',
    source: 'minimal-document.pdf',
    phrase: 'Lorem ipsum dolor sit amet',
  },
  {
    owner: BOB,
    filename: 'bob-recipes.txt',
    content: Buffer.from(BOB_NOTE),
    phrase: 'saffron bread',
  },
];
const QUESTIONS = [
  'When does the keeper wind the clockwork lens?',
  'What does the document say about imported air?',
];

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** An SMTP sink, so mail jobs are delivered (and removed) rather than left failing in Redis. */
function startSmtp() {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 500,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received += 1;
        callback();
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `smtp://127.0.0.1:${server.server.address().port}`,
        received: () => received,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}

function startBuilt(name, entry, env) {
  const child = spawn(process.execPath, [entry], {
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk) => output.push(chunk.toString('utf8')));
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { name, child, output, exited };
}

async function stop(proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const result = await Promise.race([proc.exited, sleep(30_000).then(() => 'timeout')]);
  if (result === 'timeout') {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

async function waitUntil(what, probe, timeoutMs, procs = []) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const proc of procs) {
      if (proc.child.exitCode !== null) {
        throw new Error(`${proc.name} exited while waiting for ${what}:\n${proc.output.join('')}`);
      }
    }
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function client(base) {
  const call = async (method, route, { token, body, form, expect = [200, 201] } = {}) => {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let payload;
    if (form) payload = form;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${base}${route}`, { method, headers, body: payload });
    const buffer = Buffer.from(await res.arrayBuffer());
    if (!expect.includes(res.status)) {
      throw new Error(`${method} ${route}: ${res.status} ${buffer.toString('utf8').slice(0, 500)}`);
    }
    const type = res.headers.get('content-type') ?? '';
    return type.includes('json') ? JSON.parse(buffer.toString('utf8')) : buffer;
  };
  return call;
}

async function listAll(call, route, token) {
  const items = [];
  let cursor;
  do {
    const sep = route.includes('?') ? '&' : '?';
    const page = await call(
      'GET',
      `${route}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token },
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

function git(...args) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(source, target);
    else if (entry.isFile()) fs.copyFileSync(source, target);
  }
}

async function main() {
  for (const entry of [API, WORKER]) {
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const installed = (name) =>
    JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'))
      .version;
  const commit = git('rev-parse', 'HEAD');
  const dirty =
    git('status', '--porcelain', '--', 'apps', 'libs', 'package.json', 'package-lock.json') !== '';
  // the last commit that changed what the release runs (a checkout may carry newer test-only commits)
  const releaseCommit = git(
    'log',
    '-1',
    '--format=%H',
    '--',
    'apps',
    'libs',
    'scripts',
    'package.json',
    'package-lock.json',
  );
  const releaseId = `${pkg.version}-${releaseCommit.slice(0, 7)}`;
  const out = path.resolve(
    arg('--out') ?? path.join(ROOT, 'test/fixtures', `upgrade-${releaseId}`),
  );

  const tag = randomBytes(4).toString('hex');
  const database = `docent_upgradefx_${tag}`;
  const appRole = `docent_upgradefx_app_${tag}`;
  const appPassword = randomBytes(18).toString('base64url');
  const prefix = `docent-upgradefx-${tag}:`;
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-upgradefx-storage-'));
  const ownerUrl = new URL(ADMIN_URL);
  ownerUrl.pathname = `/${database}`;
  const appUrl = new URL(ownerUrl);
  appUrl.username = appRole;
  appUrl.password = appPassword;

  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${database}"`);
  const redis = new Redis(REDIS_URL);
  const procs = [];
  let smtp;
  try {
    // 1. the release's own migrator, exactly as `npm run migration:up`
    const migrate = spawnSync(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), 'up'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...SETTINGS,
        DATABASE_URL: ownerUrl.toString(),
        DATABASE_APP_ROLE: appRole,
        DATABASE_APP_PASSWORD: appPassword,
      },
      encoding: 'utf8',
    });
    if (migrate.status !== 0)
      throw new Error(`migration:up failed:\n${migrate.stdout}${migrate.stderr}`);
    process.stdout.write(migrate.stdout);

    // 2. the built api and worker of the release
    const port = await freePort();
    smtp = await startSmtp();
    const env = {
      ...SETTINGS,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKER_HTTP_PORT: '0',
      DATABASE_URL: appUrl.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      STORAGE_DIR: storage,
      SMTP_URL: smtp.url,
      RATE_LIMIT: '10000/1m',
      RATE_LIMIT_AUTH: '10000/1m',
      RATE_LIMIT_UPLOAD: '10000/1m',
      RATE_LIMIT_CHAT: '10000/1m',
      SHUTDOWN_GRACE_PERIOD: '0',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    };
    const api = startBuilt('api', API, env);
    procs.push(api);
    const worker = startBuilt('worker', WORKER, env);
    procs.push(worker);
    const base = `http://127.0.0.1:${port}`;
    await waitUntil('the api', async () => (await fetch(`${base}/health/live`)).ok, 60_000, procs);
    const call = client(base);

    // 3. data, through the api only
    const users = {};
    const login = async (who) => {
      const res = await call('POST', '/api/v1/auth/login', {
        body: { email: who.email, password: who.password },
      });
      return res;
    };
    // the admin is created by the api at start (ADMIN_EMAIL): wait for it
    const adminSession = await waitUntil('the admin account', () => login(ADMIN), 30_000, procs);
    users.admin = {
      ...ADMIN,
      // the api names the administrator it creates from ADMIN_EMAIL itself
      displayName: adminSession.user.displayName,
      role: adminSession.user.role,
      id: adminSession.user.id,
      token: adminSession.accessToken,
    };
    for (const [key, who] of [
      ['alice', ALICE],
      ['bob', BOB],
    ]) {
      const res = await call('POST', '/api/v1/auth/register', { body: who });
      users[key] = { ...who, role: res.user.role, id: res.user.id, token: res.accessToken };
    }
    // a second session for alice, whose refresh token is kept unused for the test to spend
    const spare = await login(ALICE);
    users.alice.refreshToken = spare.refreshToken;
    users.alice.refreshSessionId = (
      await call('GET', '/api/v1/auth/sessions', { token: spare.accessToken })
    ).items.find((session) => session.current).id;
    const adminToken = adminSession.accessToken;

    const documents = [];
    for (const upload of UPLOADS) {
      const content = upload.content ?? fs.readFileSync(path.join(CORPUS, upload.source));
      const owner = Object.values(users).find((u) => u.email === upload.owner.email);
      const form = new FormData();
      form.append('files', new Blob([content]), upload.filename);
      const res = await call('POST', '/api/v1/documents', {
        token: owner.token,
        form,
        expect: [201, 202],
      });
      if (res.accepted.length !== 1)
        throw new Error(`${upload.filename} was not accepted: ${JSON.stringify(res)}`);
      documents.push({
        id: res.accepted[0].id,
        ownerEmail: owner.email,
        filename: upload.filename,
        source: upload.source
          ? `../shared/corpus/${upload.source}`
          : 'generated by make-fixture.js',
        sha256: sha256(content),
        sizeBytes: content.length,
        searchPhrase: upload.phrase,
      });
    }
    const byId = new Map();
    await waitUntil(
      'ingestion',
      async () => {
        for (const who of [users.alice, users.bob]) {
          for (const doc of await listAll(call, '/api/v1/documents', who.token))
            byId.set(doc.id, doc);
        }
        const states = documents.map((d) => byId.get(d.id)?.status);
        if (states.includes('failed'))
          throw new Error(`ingestion failed: ${JSON.stringify([...byId.values()])}`);
        return states.every((s) => s === 'completed');
      },
      120_000,
      procs,
    );
    for (const doc of documents) {
      const seen = byId.get(doc.id);
      Object.assign(doc, {
        status: seen.status,
        mimeType: seen.mimeType,
        chunkCount: seen.chunkCount,
        pageCount: seen.pageCount,
      });
    }

    // a share: alice's notes, readable by bob
    const shared = documents[0];
    await call('POST', `/api/v1/documents/${shared.id}/shares`, {
      token: users.alice.token,
      body: { userId: users.bob.id, permission: 'read' },
    });
    const shares = [{ documentId: shared.id, userEmail: BOB.email, permission: 'read' }];

    // chat: alice asks two questions over her documents, bob one over the shared note
    const chats = [];
    const ask = async (who, title, documentIds, questions) => {
      const session = await call('POST', '/api/v1/chat/sessions', {
        token: who.token,
        body: { title, documentIds },
      });
      const messages = [];
      for (const question of questions) {
        const res = await call('POST', `/api/v1/chat/sessions/${session.id}/messages`, {
          token: who.token,
          body: { content: question },
        });
        messages.push(
          { id: res.userMessage.id, role: 'user', content: res.userMessage.content },
          {
            id: res.assistantMessage.id,
            role: 'assistant',
            content: res.assistantMessage.content,
            citations: res.assistantMessage.citations.map((c) => c.documentId),
          },
        );
      }
      chats.push({ ownerEmail: who.email, sessionId: session.id, title, documentIds, messages });
    };
    const aliceDocs = documents.filter((d) => d.ownerEmail === ALICE.email).map((d) => d.id);
    await ask(users.alice, 'Harbour and air', aliceDocs, QUESTIONS);
    await ask(users.bob, 'Shared harbour notes', [shared.id], ['What happens at spring tide?']);

    // let the asynchronous writers (notifications, audit) settle: three equal readings in a row
    let last = '';
    let equal = 0;
    await waitUntil(
      'notifications and audit events to settle',
      async () => {
        const counts = [];
        for (const who of Object.values(users)) {
          counts.push((await listAll(call, '/api/v1/notifications', who.token)).length);
        }
        counts.push((await listAll(call, '/api/v1/admin/audit-events', adminToken)).length);
        counts.push(smtp.received());
        const now = JSON.stringify(counts);
        equal = now === last ? equal + 1 : 0;
        last = now;
        await sleep(750);
        return equal >= 3;
      },
      60_000,
      procs,
    );

    // 4. stop the apps, so nothing writes while the dumps are taken
    await Promise.all(procs.map(stop));

    // 5. what must be readable afterwards, straight from the stores
    const db = new Client({ connectionString: ownerUrl.toString() });
    await db.connect();
    let manifestDb;
    try {
      const migrations = (
        await db.query(
          `select id, name, to_char(executed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as executed_at
             from mikro_orm_migrations order by id`,
        )
      ).rows;
      const notifications = (
        await db.query(
          `select n.id, n.type, u.email from notifications n join users u on u.id = n.user_id order by n.created_at, n.id`,
        )
      ).rows;
      const audit = (await db.query('select id, action from audit_events order by occurred_at, id'))
        .rows;
      const tables = {};
      for (const table of [
        'users',
        'sessions',
        'spent_refresh_tokens',
        'sign_in_devices',
        'documents',
        'document_chunks',
        'document_shares',
        'notifications',
        'audit_events',
        'usage_daily',
        'mikro_orm_migrations',
      ]) {
        tables[table] = Number(
          (await db.query(`select count(*)::int as n from ${table}`)).rows[0].n,
        );
      }
      const server = (await db.query('show server_version')).rows[0].server_version;
      manifestDb = { migrations, notifications, audit, tables, server };
    } finally {
      await db.end();
    }

    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    const dump = spawnSync(
      'pg_dump',
      ['--no-owner', '--no-privileges', '--format=plain', '--dbname', ownerUrl.toString()],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
    );
    if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr.toString('utf8')}`);
    fs.writeFileSync(path.join(out, 'database.sql.gz'), zlib.gzipSync(dump.stdout, { level: 9 }));

    const keys = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    keys.sort();
    const redisDump = [];
    let transient = 0;
    for (const key of keys) {
      const [value, pttl] = await Promise.all([redis.dumpBuffer(key), redis.pttl(key)]);
      if (value === null || pttl === -2) continue;
      // rate-limit windows, caches and bull's stalled-check locks: gone within the hour anyway
      if (pttl >= 0 && pttl < TRANSIENT_MS) {
        transient += 1;
        continue;
      }
      redisDump.push({ key: key.slice(prefix.length), pttl, dump: value.toString('base64') });
    }
    const redisInfo = await redis.info('server');
    fs.writeFileSync(path.join(out, 'redis.json'), `${JSON.stringify(redisDump, null, 1)}\n`);
    copyDir(storage, path.join(out, 'storage'));

    const strip = (user) => Object.fromEntries(Object.entries(user).filter(([k]) => k !== 'token'));
    const manifest = {
      about:
        'Upgrade-in-place fixture: an installation of the release below, captured by test/upgrade/make-fixture.js and read back by test/upgrade-in-place.e2e-spec.ts. Every setting and password here is a fixture-only value, not a secret.',
      release: {
        id: releaseId,
        version: pkg.version,
        commit,
        releaseCommit,
        sourcesModified: dirty,
        mikroOrm: installed('@mikro-orm/core'),
        nestCore: installed('@nestjs/core'),
        node: process.version,
        postgres: manifestDb.server,
        redis: /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? null,
        generatedAt: new Date().toISOString(),
      },
      settings: SETTINGS,
      redisPrefix: prefix,
      redisTransientKeysSkipped: transient,
      migrations: manifestDb.migrations,
      tables: manifestDb.tables,
      users: Object.values(users).map(strip),
      documents,
      shares,
      chats,
      notifications: manifestDb.notifications,
      audit: manifestDb.audit,
    };
    fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(
      path.join(out, 'README.md'),
      [
        `# Upgrade-in-place fixture: release ${releaseId} (MikroORM ${manifest.release.mikroOrm}, NestJS ${manifest.release.nestCore}, Node ${process.version})`,
        '',
        'Written by `node test/upgrade/make-fixture.js` (see the comment at its top); read by',
        '`test/upgrade-in-place.e2e-spec.ts`. `manifest.json` says what it holds and what must stay',
        'readable; its settings and passwords are fixture-only values, not secrets. Do not edit these',
        'files by hand: regenerate them from a checkout of the release instead.',
        '',
        '`storage/` holds the uploaded files, encrypted with the fixture key. Copies of the shared',
        'test corpus among them: minimal-document.pdf (py-pdf sample-files, CC-BY-SA-4.0) and',
        'single-paragraph.docx (mammoth.js test data, BSD 2-clause, Copyright (c) 2013 Michael',
        'Williamson). The other files are text written by the generator.',
        '',
      ].join('\n'),
    );
    console.log(
      `wrote ${path.relative(process.cwd(), out)}: ${redisDump.length} Redis keys, ${documents.length} documents, ${manifestDb.audit.length} audit events`,
    );
  } catch (error) {
    for (const proc of procs) {
      if (proc.child.exitCode === null)
        process.stderr.write(`--- ${proc.name} output:\n${proc.output.join('').slice(-4000)}\n`);
    }
    throw error;
  } finally {
    await Promise.all(procs.map(stop));
    await smtp?.close();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (batch.length) await redis.del(...batch);
    } while (cursor !== '0');
    redis.disconnect();
    await admin.query(`drop database if exists "${database}" with (force)`);
    await admin.query(`drop role if exists "${appRole}"`);
    await admin.end();
    fs.rmSync(storage, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
