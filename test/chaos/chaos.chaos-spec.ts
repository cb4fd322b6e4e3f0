import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { Env } from '@docent/config';
import { chunkPages } from '../../libs/documents/src/ingestion/chunker';
import { extractText } from '../../libs/documents/src/ingestion/extract';
import { INGESTION_CHUNK_OPTIONS } from '../../libs/documents/src/worker/ingestion.pipeline';
import { ensureBuiltApi, ensureBuiltWorker } from '../support/built-worker';
import { startSmtp, type SmtpCapture } from '../support/smtp';
import { TcpProxy } from '../support/tcp-proxy';
import { AppProcess } from './support/apps';
import { ConnectionError, send } from './support/client';
import { type Outcome, Recorder, SimUser } from './support/load';
import { PostgresCluster, RedisServer, sleep } from './support/services';

const USERS = Number(process.env.CHAOS_USERS ?? 30);
/** Quiet time between faults: load keeps running, instances recover. */
const SETTLE_MS = Number(process.env.CHAOS_SETTLE_MS ?? 6000);
const CUT_MS = 10_000;
const KEY_PREFIX = 'chaos:';
/** `connect_error` codes that mean "try again", not "sign in again". */
const RETRYABLE_SOCKET = new Set(['unavailable', 'service_unavailable', 'dependency_unavailable']);

/**
 * An OpenAI-protocol server (the only fake: the paid API) that streams a short answer slowly,
 * so a question is "mid-stream" for about a second and a half.
 */
class FakeLlm {
  requests = 0;
  private readonly server: Server = createServer((req, res) => {
    this.requests += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      const timer = setInterval(() => {
        n += 1;
        if (n > 25 || res.destroyed) {
          clearInterval(timer);
          if (!res.destroyed) res.end('data: [DONE]\n\n');
          return;
        }
        const delta = { choices: [{ index: 0, delta: { content: n === 25 ? '[1].' : `w${n} ` } }] };
        res.write(`data: ${JSON.stringify(delta)}\n\n`);
      }, 60);
      res.on('close', () => clearInterval(timer));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface Fault {
  name: string;
  start: number;
  /** The dependency or process is back (restarted and live, or the proxy listening again). */
  end: number;
  note?: string;
}

/** When an api instance could not answer (killed or stopping until live again). */
interface DownWindow {
  api: number;
  from: number;
  to: number;
}

jest.setTimeout(15 * 60_000);

describe('chaos: load on 2 api + 2 worker processes while processes die and dependencies go away', () => {
  const pg = new PostgresCluster();
  const redis = new RedisServer();
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let smtp: SmtpCapture;
  const llm = new FakeLlm();
  const logDir = mkdtempSync(join(tmpdir(), 'docent-chaos-logs-'));
  const apis: AppProcess[] = [];
  const workers: AppProcess[] = [];
  let ownerUrl = '';
  let setupMs = 0;
  const storageDir = mkdtempSync(join(tmpdir(), 'docent-chaos-storage-'));

  beforeAll(async () => {
    const setupStarted = Date.now();
    ensureBuiltApi();
    ensureBuiltWorker();
    await pg.init();
    await redis.start();
    const admin = new Client({ connectionString: pg.superuserUrl });
    await admin.connect();
    await admin.query('create database docent');
    await admin.end();
    ownerUrl = pg.urlFor('docent');
    const appPassword = randomBytes(12).toString('hex');
    const migrate = spawnSync(
      process.execPath,
      [join(ensureBuiltApi(), '..', 'migrate.js'), 'up'],
      {
        encoding: 'utf8',
        cwd: tmpdir(),
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          DATABASE_URL: ownerUrl,
          DATABASE_APP_ROLE: 'docent_app',
          DATABASE_APP_PASSWORD: appPassword,
        },
      },
    );
    if (migrate.status !== 0) throw new Error(`migration failed: ${migrate.stderr}`);

    pgProxy = new TcpProxy('127.0.0.1', pg.port);
    await pgProxy.start();
    redisProxy = new TcpProxy('127.0.0.1', redis.port);
    await redisProxy.start();
    smtp = await startSmtp();
    const llmUrl = await llm.start();

    const appUrl = new URL(`postgresql://127.0.0.1:${pgProxy.port}/docent`);
    appUrl.username = 'docent_app';
    appUrl.password = appPassword;
    const env: Env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: appUrl.toString(),
      DATABASE_CONNECT_TIMEOUT: '3s',
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      REDIS_KEY_PREFIX: KEY_PREFIX,
      STORAGE_DIR: storageDir,
      SMTP_URL: smtp.url,
      PUBLIC_APP_URL: 'http://docent.test',
      CORS_ORIGINS: 'http://docent.test',
      JWT_ACCESS_SECRET: randomBytes(48).toString('base64'),
      DATA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      // one client address for every simulated user: limits that would only measure the harness
      RATE_LIMIT: '100000/1m',
      RATE_LIMIT_AUTH: '100000/1m',
      RATE_LIMIT_UPLOAD: '100000/1m',
      RATE_LIMIT_CHAT: '100000/1m',
      SHUTDOWN_GRACE_PERIOD: '1s',
      SHUTDOWN_TIMEOUT: '15s',
      INGESTION_CONCURRENCY: '1',
      INGESTION_LOCK_DURATION: '5s',
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: llmUrl,
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT: '20s',
      LLM_MAX_RETRIES: '0',
    };
    for (let i = 0; i < 2; i += 1) {
      workers.push(new AppProcess(`worker${i}`, 'worker', env, logDir));
      apis.push(new AppProcess(`api${i}`, 'api', env, logDir));
    }
    await Promise.all([...workers, ...apis].map((app) => app.start()));
    setupMs = Date.now() - setupStarted;
  }, 5 * 60_000);

  afterAll(async () => {
    await Promise.all([...apis, ...workers].map((app) => app.close()));
    await pgProxy?.stop();
    await redisProxy?.stop();
    await smtp?.close();
    await llm.close();
    await redis.destroy();
    await pg.destroy();
    rmSync(storageDir, { recursive: true, force: true });
  });

  it('loses nothing, logs nobody out, and answers every failure with a retryable error', async () => {
    const recorder = new Recorder();
    const targets = apis.map((app) => ({ url: app.url }));
    const users: SimUser[] = [];
    for (let i = 0; i < USERS; i += 1) {
      users.push(
        new SimUser({
          apis: targets,
          recorder,
          index: i,
          email: `chaos${i}-${randomBytes(3).toString('hex')}@docent.test`,
          password: `chaos ${randomBytes(6).toString('hex')} lantern orbit`,
          peers: () => users,
        }),
      );
    }
    for (let i = 0; i < users.length; i += 5) {
      await Promise.all(users.slice(i, i + 5).map((user) => user.register(`Chaos ${user.index}`)));
    }
    // the probe: not one of the users; its reads measure each instance's recovery
    const prober = new SimUser({
      apis: targets,
      recorder,
      index: USERS,
      email: `chaos-probe-${randomBytes(3).toString('hex')}@docent.test`,
      password: `chaos ${randomBytes(6).toString('hex')} probe orbit`,
      peers: () => [],
    });
    await prober.register('Chaos probe');
    const setupOutcomes = recorder.outcomes.length;
    users.forEach((user) => user.openSocket());
    const loops = [...users.map((user) => user.run()), prober.probe()];
    const loadStarted = Date.now();

    const faults: Fault[] = [];
    const down: DownWindow[] = [];
    const queueRedis = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
    const owner = () => new Client({ connectionString: ownerUrl });

    /** Restarts an api instance after `signal`, recording when it could not answer. */
    async function cycleApi(index: number, signal: NodeJS.Signals, pauseMs: number) {
      const window: DownWindow = { api: index, from: Date.now(), to: Number.MAX_SAFE_INTEGER };
      down.push(window);
      const exit = await apis[index].stop(signal);
      await sleep(pauseMs);
      await apis[index].start();
      window.to = apis[index].readyAt + 1000;
      return exit;
    }

    async function waitInflight(
      op: string,
      api: number,
      test: (e: { start: number; sent: number }) => boolean,
    ) {
      const started = Date.now();
      while (Date.now() - started < 20_000) {
        for (const entry of recorder.inflight.values()) {
          if (entry.op === op && entry.api === api && test(entry)) return true;
        }
        await sleep(20);
      }
      return false;
    }

    await sleep(SETTLE_MS * 1.5);

    // 1. SIGKILL an api mid-upload (a slow 3 MB upload is on the wire)
    {
      const uploader = users.find((user) => user.index % 2 === 0)!;
      const slow = uploader.upload({ bytes: 3_000_000, slow: true, api: 0 });
      const midway = await waitInflight('upload', 0, (e) => e.sent > 600_000);
      const start = Date.now();
      await cycleApi(0, 'SIGKILL', 1000);
      faults.push({
        name: 'SIGKILL api0 mid-upload',
        start,
        end: apis[0].readyAt,
        note: midway ? undefined : 'no upload was in flight',
      });
      await slow;
      await sleep(SETTLE_MS);
    }

    // 2. SIGKILL an api mid-stream (an SSE answer is being streamed)
    {
      const asker = users.find((user) => user.index % 2 === 1)!;
      const streaming = asker.ask(true, 1);
      const midway = await waitInflight('ask-stream', 1, (e) => Date.now() - e.start > 500);
      const start = Date.now();
      await cycleApi(1, 'SIGKILL', 1000);
      faults.push({
        name: 'SIGKILL api1 mid-stream',
        start,
        end: apis[1].readyAt,
        note: midway ? undefined : 'no stream was in flight',
      });
      await streaming;
      await sleep(SETTLE_MS);
    }

    // 3. SIGKILL a worker mid-job (both workers busy on a large document each)
    let interrupted: string[] = [];
    {
      await queueRedis.connect();
      const uploader = users[2];
      await Promise.all([
        uploader.upload({ bytes: 2_500_000 }),
        uploader.upload({ bytes: 2_500_000 }),
      ]);
      const activeKey = `${KEY_PREFIX}bull:ingestion:active`;
      const started = Date.now();
      while ((await queueRedis.llen(activeKey)) < 2 && Date.now() - started < 30_000)
        await sleep(20);
      const client = owner();
      await client.connect();
      interrupted = (
        await client.query<{ id: string }>(`select id from documents where status = 'processing'`)
      ).rows.map((row) => row.id);
      await client.end();
      const start = Date.now();
      await workers[0].stop('SIGKILL');
      await sleep(1000);
      await workers[0].start();
      faults.push({
        name: 'SIGKILL worker0 mid-job',
        start,
        end: workers[0].readyAt,
        note: `${interrupted.length} documents processing`,
      });
      await sleep(SETTLE_MS);
    }

    // 4. restart Redis (AOF keeps queues, chat history, revocations)
    {
      const start = Date.now();
      await redis.stop();
      await redis.start();
      faults.push({ name: 'restart Redis (AOF)', start, end: Date.now() });
      await sleep(SETTLE_MS);
    }

    // 5. restart PostgreSQL
    {
      const start = Date.now();
      await pg.stop();
      await pg.start();
      faults.push({ name: 'restart PostgreSQL', start, end: Date.now() });
      await sleep(SETTLE_MS);
    }

    // 6. cut Redis for 10 s
    {
      const start = Date.now();
      await redisProxy.stop();
      await sleep(CUT_MS);
      await redisProxy.start();
      faults.push({ name: 'cut Redis 10 s', start, end: Date.now() });
      await sleep(SETTLE_MS);
    }

    // 7. cut PostgreSQL for 10 s
    {
      const start = Date.now();
      await pgProxy.stop();
      await sleep(CUT_MS);
      await pgProxy.start();
      faults.push({ name: 'cut PostgreSQL 10 s', start, end: Date.now() });
      await sleep(SETTLE_MS);
    }

    // 8. rolling restart: SIGTERM every process, one by one; each must stop cleanly (exit 0)
    // within SHUTDOWN_TIMEOUT, even after the outages above (a leaked database connection once
    // kept MikroORM's close waiting until the timeout)
    const uncleanStops: string[] = [];
    for (const [kind, index] of [
      ['api', 0],
      ['api', 1],
      ['worker', 0],
      ['worker', 1],
    ] as const) {
      const start = Date.now();
      let exit: number | NodeJS.Signals | null;
      if (kind === 'api') exit = await cycleApi(index, 'SIGTERM', 0);
      else {
        exit = await workers[index].stop('SIGTERM');
        await workers[index].start();
      }
      const app = kind === 'api' ? apis[index] : workers[index];
      if (exit !== 0) uncleanStops.push(`${app.name} exit ${String(exit)} (see ${app.logFile})`);
      faults.push({
        name: `SIGTERM ${app.name} (rolling)`,
        start,
        end: app.readyAt,
        note: `exit ${String(exit)}`,
      });
      await sleep(SETTLE_MS / 2);
    }
    await sleep(SETTLE_MS);

    // stop the load, let every accepted document finish
    const loadEnded = Date.now();
    users.forEach((user) => user.stop());
    prober.stop();
    await Promise.all(loops);
    queueRedis.disconnect();

    const accepted = new Map(recorder.uploads.map((upload) => [upload.documentId, upload]));
    const db = owner();
    await db.connect();
    const drainStarted = Date.now();
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from documents where status in ('queued', 'processing')`,
      );
      if (rows[0].n === 0 || Date.now() - drainStarted > 120_000) break;
      await sleep(500);
    }
    const drainMs = Date.now() - drainStarted;

    // ---------------------------------------------------------------- accounting
    const documents = (
      await db.query<{
        id: string;
        status: string;
        chunk_count: number | null;
        rows: number;
        positions: number;
        completed_notes: number;
        completed_at: Date | null;
      }>(
        `select d.id, d.status, d.chunk_count, d.completed_at,
                (select count(*)::int from document_chunks c where c.document_id = d.id) as rows,
                (select count(distinct c.chunk_index)::int from document_chunks c where c.document_id = d.id) as positions,
                (select count(*)::int from notifications n
                  where n.user_id = d.owner_id and n.type = 'ingestion.completed'
                    and n.data->>'documentId' = d.id::text) as completed_notes
           from documents d`,
      )
    ).rows;
    const byId = new Map(documents.map((row) => [row.id, row]));
    const uploadProblems: string[] = [];
    let duplicateChunks = 0;
    let lostUploads = 0;
    let missingCompletionNotes = 0;
    let duplicateCompletionNotes = 0;
    for (const upload of accepted.values()) {
      const row = byId.get(upload.documentId);
      if (!row || row.status !== 'completed') {
        lostUploads += 1;
        uploadProblems.push(`${upload.filename}: ${row ? row.status : 'missing'}`);
        continue;
      }
      const extracted = await extractText(upload.content, 'txt');
      const expected = (await chunkPages(extracted.pages, INGESTION_CHUNK_OPTIONS)).length;
      if (row.rows !== expected || row.positions !== row.rows || row.chunk_count !== row.rows) {
        duplicateChunks += 1;
        uploadProblems.push(
          `${upload.filename}: ${row.rows} chunk rows, ${row.positions} positions, chunk_count ${row.chunk_count}, expected ${expected}`,
        );
      }
      if (row.completed_notes === 0) {
        missingCompletionNotes += 1;
        uploadProblems.push(
          `${upload.filename}: completed at +${(row.completed_at?.getTime() ?? 0) - loadStarted} ms without its ingestion.completed notification`,
        );
      }
      if (row.completed_notes > 1) duplicateCompletionNotes += 1;
    }
    const unacknowledged = documents.filter((row) => !accepted.has(row.id));
    const stuck = documents.filter((row) => row.status === 'queued' || row.status === 'processing');

    const duplicateNotifications = (
      await db.query<{ n: number }>(
        `select count(*)::int as n from (
           select 1 from notifications
            where type in ('ingestion.completed', 'ingestion.failed', 'document.shared')
            group by user_id, type, data->>'documentId' having count(*) > 1) d`,
      )
    ).rows[0].n;
    let missingShareNotes = 0;
    for (const share of recorder.shares) {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from notifications
          where user_id = $1 and type = 'document.shared' and data->>'documentId' = $2`,
        [users[share.recipient].id, share.documentId],
      );
      if (rows[0].n !== 1) missingShareNotes += 1;
    }
    await db.end();

    // every answered question is in its session's history, with its answer
    let missingQuestions = 0;
    const historyErrors: string[] = [];
    for (const user of users) {
      const asked = recorder.questions.filter((q) => q.user === user.index);
      if (asked.length === 0) continue;
      const seen = new Map<string, string>();
      let before = '';
      for (let page = 0; page < 50; page += 1) {
        const reply = await send(
          `${apis[0].url}/api/v1/chat/sessions/${user.sessionId}/messages?limit=100${before ? `&before=${before}` : ''}`,
          { headers: { authorization: `Bearer ${user.access}` } },
        ).catch((error: ConnectionError) => error);
        if (reply instanceof ConnectionError || reply.status !== 200) {
          historyErrors.push(
            `user ${user.index}: ${reply instanceof ConnectionError ? reply.code : reply.status}`,
          );
          break;
        }
        const body = JSON.parse(reply.text) as {
          items: { id: string; content: string }[];
          nextCursor: string | null;
        };
        for (const item of body.items) seen.set(item.id, item.content);
        if (!body.nextCursor) break;
        before = body.nextCursor;
      }
      for (const q of asked) {
        if (
          seen.get(q.userMessageId) !== q.question ||
          seen.get(q.assistantMessageId) !== q.answer
        ) {
          missingQuestions += 1;
        }
      }
    }

    // client errors by class
    const load = recorder.outcomes.slice(setupOutcomes);
    const inKill = (o: Outcome) =>
      down.some((w) => w.api === o.api && o.end >= w.from && o.start <= w.to);
    const classOf = (o: Outcome): string => {
      if (o.status === 0) {
        if (o.op === 'socket')
          return `socket connect_error ${o.error} (during a kill: ${inKill(o) ? 'yes' : 'no'})`;
        if (o.error === 'timeout') return 'timeout';
        return inKill(o) ? 'connection error during a kill' : 'connection error outside a kill';
      }
      const retry = o.retryAfter !== undefined ? ' + Retry-After' : '';
      return `${o.sseError ? 'SSE error event ' : ''}${o.status}${retry}${o.error ? ` (${o.error})` : ''}${o.op === 'socket' ? ' socket' : ''}`;
    };
    const allowed = (o: Outcome): boolean => {
      if (o.status >= 200 && o.status < 400) return true;
      // the socket handshake's retryable refusal during an outage is what the client should get
      if (o.op === 'socket' && o.status === 0 && RETRYABLE_SOCKET.has(o.error ?? '')) return true;
      if (o.status === 0) return o.error !== 'timeout' && inKill(o);
      if (o.status === 503 || o.status === 429)
        return o.retryAfter !== undefined || o.sseError === true;
      return false;
    };
    const errors = new Map<string, number>();
    const violations = new Map<string, number>();
    for (const o of load) {
      if (o.status >= 200 && o.status < 400) continue;
      const key = classOf(o);
      errors.set(key, (errors.get(key) ?? 0) + 1);
      if (!allowed(o))
        violations.set(`${key} on ${o.op}`, (violations.get(`${key} on ${o.op}`) ?? 0) + 1);
    }
    const false401 = load.filter((o) => o.status === 401);
    const byOp = new Map<string, { total: number; ok: number }>();
    for (const o of load) {
      const entry = byOp.get(o.op) ?? { total: 0, ok: 0 };
      entry.total += 1;
      if (o.status >= 200 && o.status < 400) entry.ok += 1;
      byOp.set(o.op, entry);
    }

    // recovery: from the fault's end to the probe's first success on every instance; and what
    // clients saw from the fault's start until then
    const recovery = faults.map((fault) => {
      const perApi = apis.map((_, api) => {
        const first = load
          .filter(
            (o) =>
              o.op === 'probe' &&
              o.api === api &&
              o.start >= fault.end &&
              o.status >= 200 &&
              o.status < 300,
          )
          .sort((a, b) => a.end - b.end)[0];
        return first ? first.end - fault.end : null;
      });
      const known = perApi.filter((ms): ms is number => ms !== null);
      const recovered = known.length === perApi.length ? Math.max(...known) : null;
      const until = fault.end + (recovered ?? 0);
      const seen = new Map<string, number>();
      for (const o of load) {
        if (o.status >= 200 && o.status < 400) continue;
        if (o.end < fault.start || o.start > until) continue;
        const key = allowed(o) ? classOf(o) : `NOT OK ${classOf(o)} on ${o.op}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      return {
        fault: fault.name,
        faultMs: fault.end - fault.start,
        recoveryMs: recovered,
        clientErrors: [...seen].map(([key, n]) => `${n}× ${key}`).join('; '),
        note: fault.note ?? '',
      };
    });
    const worker = faults.find((f) => f.name.startsWith('SIGKILL worker'))!;
    const resumed = interrupted
      .map((id) => byId.get(id)?.completed_at?.getTime())
      .filter((at): at is number => at !== undefined);

    const report = {
      users: USERS,
      'set-up seconds (cluster, Redis, migrations, 4 processes)': Math.round(setupMs / 1000),
      'load seconds': Math.round((loadEnded - loadStarted) / 1000),
      requests: load.filter((o) => o.op !== 'socket' && o.op !== 'probe').length,
      'probe requests': load.filter((o) => o.op === 'probe').length,
      'requests by operation (ok/total)': Object.fromEntries(
        [...byOp].map(([op, e]) => [op, `${e.ok}/${e.total}`]),
      ),
      'errors by class': Object.fromEntries([...errors].sort((a, b) => b[1] - a[1])),
      'uploads accepted (202)': accepted.size,
      'documents stored without a 202 (answer lost to a kill), by status': Object.fromEntries(
        [...new Set(unacknowledged.map((row) => row.status))].map((status) => [
          status,
          unacknowledged.filter((row) => row.status === status).length,
        ]),
      ),
      'questions answered': recorder.questions.length,
      'shares acknowledged': recorder.shares.length,
      'socket connects': recorder.socketEvents.connects,
      'socket notifications received': recorder.socketEvents.notifications,
      'socket refusals': Object.fromEntries(recorder.socketEvents.refused),
      're-logins after a 401': recorder.relogins,
      'fake LLM requests': llm.requests,
      'drain after load (ms)': drainMs,
      'worker kill: interrupted documents completed after (ms)': resumed.map(
        (at) => at - worker.start,
      ),
    };
    const invariants = {
      'uploads with 202 not completed': lostUploads,
      'uploads with duplicate or missing chunks': duplicateChunks,
      'documents stuck queued/processing': stuck.length,
      'completed uploads without their notification': missingCompletionNotes,
      'completed uploads with several notifications': duplicateCompletionNotes,
      'duplicate stored notifications': duplicateNotifications,
      'acknowledged shares without exactly one notification': missingShareNotes,
      'answered questions missing from history': missingQuestions,
      'history reads that failed': historyErrors.length,
      '401 answers to a valid session': false401.filter((o) => o.op !== 'socket').length,
      'socket handshakes refused as unauthorized': false401.filter((o) => o.op === 'socket').length,
      'socket refusals that were neither retryable nor a kill': load.filter(
        (o) => o.op === 'socket' && o.status === 0 && !allowed(o),
      ).length,
      'client errors that were not 503/429 + Retry-After or a connection error during a kill': [
        ...violations.values(),
      ].reduce((a, b) => a + b, 0),
      'processes that did not stop cleanly on SIGTERM (rolling restart)': uncleanStops.length,
    };
    const printed = [
      '=== chaos suite accounting ===',
      JSON.stringify(report, null, 2),
      '--- per fault: duration, recovery (first probe success on every api after the fault ended), what clients saw ---',
      ...recovery.map(
        (r) =>
          `${r.fault.padEnd(28)} lasted ${String(r.faultMs).padStart(6)} ms, every api answered ${String(r.recoveryMs ?? 'never').padStart(6)} ms after${r.note ? ` (${r.note})` : ''}\n      client errors: ${r.clientErrors || 'none'}`,
      ),
      '--- invariants (all must be 0) ---',
      ...Object.entries(invariants).map(([name, n]) => `${String(n).padStart(6)}  ${name}`),
      ...(violations.size
        ? [
            '--- violations by class ---',
            ...[...violations].map(([k, n]) => `${String(n).padStart(6)}  ${k}`),
          ]
        : []),
      ...(false401.length
        ? [
            '--- first 401s ---',
            ...false401
              .slice(0, 8)
              .map(
                (o) => `  ${o.op} api${o.api} at +${o.start - loadStarted} ms: ${o.error ?? ''}`,
              ),
          ]
        : []),
      ...(uploadProblems.length ? ['--- upload problems ---', ...uploadProblems.slice(0, 10)] : []),
      ...(uncleanStops.length ? ['--- unclean stops ---', ...uncleanStops] : []),
      ...(historyErrors.length
        ? ['--- history read errors ---', ...historyErrors.slice(0, 10)]
        : []),
      `logs: ${logDir}`,
    ].join('\n');
    console.log(printed);
    const reportFile = process.env.CHAOS_REPORT_FILE;
    if (reportFile)
      writeFileSync(reportFile, JSON.stringify({ report, recovery, invariants }, null, 2));

    expect(invariants).toEqual(Object.fromEntries(Object.keys(invariants).map((k) => [k, 0])));
  });
});
