import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as Pg } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { ownerDatabaseUrl } from '../support/config';
import { HAPROXY_BIN, haproxyAvailable, haproxyConfig } from '../support/haproxy';
import { waitFor } from '../support/http';
import { Client, type Answer } from './client';
import { type AppProcess, Topology } from './topology';

/**
 * The topology test (issue 13): HAProxy (round robin, no stickiness) in front of two built api
 * processes, three built worker processes sharing the queues, one PostgreSQL database and one
 * Redis (or a Redis Cluster with DOCENT_TEST_REDIS_CLUSTER=1). Every request goes through the
 * load balancer, as real clients' do; the steps run in order and share their actors.
 */

const AUTH_LIMIT = 8;
const LOCKOUT_THRESHOLD = 3;
const BATCH = 12;

interface Actor {
  client: Client;
  email: string;
  password: string;
  token: string;
  id: string;
}

interface Event {
  event: string;
  payload: Record<string, unknown>;
}

/** A socket.io client as the web client runs it: websocket transport, reconnects by itself. */
interface LiveSocket {
  socket: Socket;
  events: Event[];
  connects: number;
  disconnects: string[];
  of(event: string): Record<string, unknown>[];
}

function liveSocket(url: string, token: string): LiveSocket {
  const socket = io(`${url}/notifications`, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    randomizationFactor: 0,
  });
  const live: LiveSocket = {
    socket,
    events: [],
    connects: 0,
    disconnects: [],
    of: (event) => live.events.filter((e) => e.event === event).map((e) => e.payload),
  };
  socket.on('connect', () => (live.connects += 1));
  socket.on('disconnect', (reason) => live.disconnects.push(reason));
  socket.onAny((event: string, payload: Record<string, unknown>) =>
    live.events.push({ event, payload }),
  );
  return live;
}

const ask = (what: () => boolean, ms: number) => waitFor(async () => what(), ms, 50);

const WORDS = ['amber', 'basalt', 'cobalt', 'dunlin', 'ember', 'fjord', 'garnet', 'heron'];

/** A word of letters only that only file `i` of this run contains (for citations). */
const uniqueWord = (i: number, marker: string) =>
  `${WORDS[i % WORDS.length]}${marker}${String.fromCharCode(97 + i)}`;

/** Distinct prose per file, with a sentence only that file has (for citations). */
function fileText(i: number, marker: string): string {
  const lines = [
    `Cluster report ${i} about the ${marker} turbine number ${i}.`,
    `The ${uniqueWord(i, marker)} valve opens at dawn.`,
  ];
  for (let p = 0; p < 20; p += 1) {
    lines.push(
      `Paragraph ${p} of report ${i}: the ${marker} turbine ${i} spins at ${1000 + i * 37 + p} revolutions while the operators record vibration ${randomBytes(4).toString('hex')}.`,
    );
  }
  return lines.join('\n\n');
}

const describeIfHaproxy = haproxyAvailable() ? describe : describe.skip;

describeIfHaproxy('cluster topology: HAProxy + 2 api + 3 workers (npm run test:cluster)', () => {
  let topology: Topology;
  let db: Pg;
  const clients: Client[] = [];
  const sockets: LiveSocket[] = [];
  const tag = randomBytes(3).toString('hex');
  const adminPassword = `cluster admin ${randomBytes(8).toString('hex')} lantern`;
  const adminEmail = `admin-${tag}@docent.test`;
  let addressCounter = 10;
  /** Every answer the load balancer gave, for the accounting line. */
  const answers: Answer[] = [];
  const accounting: Record<string, string | number> = {};

  /** A client on a loopback address of its own: a distinct client IP behind HAProxy. */
  function newClient(): Client {
    addressCounter += 1;
    const client = new Client(
      topology.url,
      `127.0.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 2}`,
    );
    clients.push(client);
    return client;
  }

  async function call(
    client: Client,
    method: string,
    path: string,
    options: Parameters<Client['send']>[2] = {},
  ): Promise<Answer> {
    const answer = await client.send(method, path, options);
    answers.push(answer);
    return answer;
  }

  async function signUp(prefix: string): Promise<Actor> {
    const client = newClient();
    const email = `${prefix}-${tag}@docent.test`;
    const password = `${prefix} ${randomBytes(6).toString('hex')} harbour quilt`;
    const res = await call(client, 'POST', '/api/v1/auth/register', {
      json: { email, password, displayName: `${prefix} ${tag}` },
    });
    expect(res.status).toBe(201);
    return { client, email, password, token: res.body.accessToken, id: res.body.user.id };
  }

  const servedBy = (list: Answer[]) => new Set(list.map((a) => a.servedBy));
  const apiNames = () => topology.apis.map((api) => api.name).sort();

  /** Which api holds a socket just connected: the one whose socket_connections went up. */
  async function socketHolder(connect: () => Promise<LiveSocket>): Promise<{
    live: LiveSocket;
    holder: AppProcess;
  }> {
    const before = await Promise.all(
      topology.apis.map((api) => topology.metric(api, 'socket_connections')),
    );
    const live = await connect();
    let holder: AppProcess | undefined;
    await waitFor(
      async () => {
        const after = await Promise.all(
          topology.apis.map((api) => topology.metric(api, 'socket_connections')),
        );
        const grown = topology.apis.filter((_, i) => after[i] > before[i]);
        holder = grown.length === 1 ? grown[0] : undefined;
        return holder !== undefined;
      },
      10_000,
      50,
    );
    return { live, holder: holder! };
  }

  async function connectedSocket(token: string): Promise<LiveSocket> {
    const live = liveSocket(topology.url, token);
    sockets.push(live);
    await new Promise<void>((resolve, reject) => {
      live.socket.once('connect', () => resolve());
      live.socket.once('connect_error', reject);
    });
    return live;
  }

  async function documentRows(ids: string[]) {
    const { rows } = await db.query<{
      id: string;
      status: string;
      attempts: number;
      chunk_count: number;
      rows: number;
      positions: number;
    }>(
      `select d.id, d.status, d.attempts, d.chunk_count,
              count(c.id)::int as rows, count(distinct c.chunk_index)::int as positions
         from documents d left join document_chunks c on c.document_id = d.id
        where d.id = any($1::uuid[]) group by d.id`,
      [ids],
    );
    return rows;
  }

  /** Which worker logged the completion of each document (pino JSON lines). */
  function completions(ids: string[]): Map<string, string[]> {
    const byDocument = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (const worker of topology.workers) {
      for (const line of worker.output.join('').split('\n')) {
        const match = /document=([0-9a-f-]{36}) v\d+ completed/.exec(line);
        if (match && byDocument.has(match[1])) byDocument.get(match[1])!.push(worker.name);
      }
    }
    return byDocument;
  }

  let owner: Actor;
  let reader: Actor;
  let admin: Actor;
  let ownerSocket: LiveSocket;
  let ownerSocketHolder: AppProcess;
  let documentIds: string[] = [];
  const readerSockets: LiveSocket[] = [];
  const marker = `zephyr${tag.replace(/\d/g, (d) => 'ghijklmnop'[Number(d)])}`;

  beforeAll(async () => {
    topology = await Topology.start({
      apis: 2,
      workers: 3,
      env: {
        RATE_LIMIT_AUTH: `${AUTH_LIMIT}/1m`,
        RATE_LIMIT: '10000/1m',
        LOGIN_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
        LOGIN_LOCKOUT_BASE: '1m',
        // HAProxy takes an instance out of the rotation when /health/ready fails; SIGTERM
        // answers 503 there for this long before the listener closes
        SHUTDOWN_GRACE_PERIOD: '1s',
      },
      firstApiEnv: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword },
    });
    db = new Pg({ connectionString: ownerDatabaseUrl() });
    await db.connect();
    accounting.redis = topology.redis.cluster
      ? 'Redis Cluster (3 masters, 3 replicas)'
      : 'one Redis';
  }, 240_000);

  afterAll(async () => {
    for (const live of sockets) live.socket.close();
    for (const client of clients) client.close();
    await db?.end();
    await topology?.stop();
    const total = answers.length;
    const by = (name: string) => answers.filter((a) => a.servedBy === name).length;
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    process.stdout.write(
      `\ncluster accounting: ${total} requests through HAProxy (${['api1', 'api2']
        .map((n) => `${n} ${by(n)}`)
        .join(', ')}; statuses ${[...statuses.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}); ${Object.entries(accounting)
        .map(([k, v]) => `${k} ${v}`)
        .join('; ')}\n`,
    );
  });

  it("ships the README's HAProxy configuration with the settings this test runs on", () => {
    const file = join(__dirname, '..', '..', 'deploy', 'haproxy', 'haproxy.cfg');
    execFileSync(HAPROXY_BIN, ['-c', '-q', '-f', file], { stdio: 'pipe' });
    const directives = (text: string) =>
      text
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(
          (line) =>
            line &&
            !/^(server|bind|stats|http-response|default-server|global|maxconn)\b/.test(line),
        );
    const shipped = directives(readFileSync(file, 'utf8'));
    const tested = directives(haproxyConfig({ port: 1, backends: [], statsSocket: '/dev/null' }));
    // the same balancing, checks, retries, timeouts and forwarding (ports and names aside)
    expect([...shipped].sort()).toEqual([...tested].sort());
    expect(shipped).not.toContainEqual(expect.stringMatching(/^(cookie|balance source|stick)/));
  });

  it('balances every request round robin over both instances, no stickiness, the client address from X-Forwarded-For', async () => {
    const client = newClient();
    const seen: Answer[] = [];
    // one keep-alive connection: still one instance after the other
    for (let i = 0; i < 6; i += 1) seen.push(await call(client, 'GET', '/health/live'));
    expect(seen.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect([...servedBy(seen)].sort()).toEqual(apiNames());
    for (let i = 1; i < seen.length; i += 1) {
      expect(seen[i].servedBy).not.toBe(seen[i - 1].servedBy);
    }

    // TRUST_PROXY=1: the session records the address HAProxy saw, not one the client forged
    owner = await signUp('owner');
    const sessions = await call(owner.client, 'GET', '/api/v1/auth/sessions', {
      token: owner.token,
      headers: { 'X-Forwarded-For': '6.6.6.6' },
    });
    expect(sessions.status).toBe(200);
    const list = (sessions.body.items ?? sessions.body) as { ip: string | null }[];
    expect(list.map((s) => s.ip)).toEqual([owner.client.address]);
  });

  it('uploads a batch; progress reaches the socket through HAProxy; three workers process each document exactly once', async () => {
    ({ live: ownerSocket, holder: ownerSocketHolder } = await socketHolder(() =>
      connectedSocket(owner.token),
    ));
    const files = Array.from({ length: BATCH }, (_, i) => ({
      name: `report-${i + 1}.txt`,
      content: fileText(i + 1, marker),
    }));
    const upload = await owner.client.upload(files, owner.token);
    answers.push(upload);
    expect(upload.status).toBe(202);
    expect(upload.body.rejected).toEqual([]);
    documentIds = (upload.body.accepted as { id: string }[]).map((d) => d.id);
    expect(documentIds).toHaveLength(BATCH);

    const completedOnSocket = () =>
      new Set(
        ownerSocket
          .of('ingestion.progress')
          .filter((p) => p.status === 'completed')
          .map((p) => String(p.documentId)),
      );
    await ask(() => documentIds.every((id) => completedOnSocket().has(id)), 90_000);

    const rows = await documentRows(documentIds);
    expect(rows).toHaveLength(BATCH);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'completed', attempts: 1 });
      expect(row.rows).toBeGreaterThan(0);
      // no duplicate chunk: one row per position, as many as the document says
      expect(row.positions).toBe(row.rows);
      expect(row.chunk_count).toBe(row.rows);
    }
    // give a duplicate delivery time to show up, then count
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const byDocument = completions(documentIds);
    for (const id of documentIds) {
      expect(byDocument.get(id)).toHaveLength(1);
      const completedEvents = ownerSocket
        .of('ingestion.progress')
        .filter((p) => p.documentId === id && p.status === 'completed');
      expect(completedEvents).toHaveLength(1);
      const progress = ownerSocket
        .of('ingestion.progress')
        .filter((p) => p.documentId === id)
        .map((p) => Number(p.progress));
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    }
    const perWorker = new Map<string, number>();
    for (const [, workers] of byDocument) {
      perWorker.set(workers[0], (perWorker.get(workers[0]) ?? 0) + 1);
    }
    // the pool shares the queue: more than one worker took part
    expect(perWorker.size).toBeGreaterThanOrEqual(2);
    accounting['documents completed once'] = `${rows.length}/${BATCH}`;
    accounting['per worker'] = topology.workers
      .map((w) => `${w.name} ${perWorker.get(w.name) ?? 0}`)
      .join('/');
    accounting['duplicate chunks'] = rows.filter((r) => r.positions !== r.rows).length;
  });

  it('answers a question with citations through the load balancer', async () => {
    const session = await call(owner.client, 'POST', '/api/v1/chat/sessions', {
      token: owner.token,
      json: { title: 'cluster' },
    });
    expect(session.status).toBe(201);
    const answer = await call(
      owner.client,
      'POST',
      `/api/v1/chat/sessions/${session.body.id}/messages`,
      {
        token: owner.token,
        json: { content: `When does the ${uniqueWord(7, marker)} valve open?` },
      },
    );
    expect(answer.status).toBe(201);
    const citations = answer.body.assistantMessage.citations as { documentId: string }[];
    expect(citations.length).toBeGreaterThan(0);
    // report 7 (the 7th file of the batch) is the one with that valve
    expect(citations.map((c) => c.documentId)).toContain(documentIds[6]);
    // the history is in Redis: the other instance reads it as well
    const history = await Promise.all([
      call(owner.client, 'GET', `/api/v1/chat/sessions/${session.body.id}/messages`, {
        token: owner.token,
      }),
      call(owner.client, 'GET', `/api/v1/chat/sessions/${session.body.id}/messages`, {
        token: owner.token,
      }),
    ]);
    expect([...servedBy(history)].sort()).toEqual(apiNames());
    for (const page of history) expect(page.body.items).toHaveLength(2);
  });

  it('a share notifies the other user on every instance that holds one of their sockets', async () => {
    reader = await signUp('reader');
    // sockets through HAProxy until the reader has one on each instance
    const holders = new Map<string, LiveSocket>();
    for (let i = 0; i < 6 && holders.size < topology.apis.length; i += 1) {
      const { live, holder } = await socketHolder(() => connectedSocket(reader.token));
      readerSockets.push(live);
      if (!holders.has(holder.name)) holders.set(holder.name, live);
    }
    expect([...holders.keys()].sort()).toEqual(apiNames());

    const share = await call(owner.client, 'POST', `/api/v1/documents/${documentIds[0]}/shares`, {
      token: owner.token,
      json: { email: reader.email, permission: 'read' },
    });
    // by e-mail the answer is neutral (202), whether or not the address has an account
    expect([201, 202]).toContain(share.status);
    for (const live of holders.values()) {
      await ask(() => live.of('notification').some((n) => n.type === 'document.shared'), 15_000);
    }
    accounting['share notification delivered on'] = [...holders.keys()].sort().join('+');
    // the shared document is readable through either instance
    const reads = [
      await call(reader.client, 'GET', `/api/v1/documents/${documentIds[0]}`, {
        token: reader.token,
      }),
      await call(reader.client, 'GET', `/api/v1/documents/${documentIds[0]}`, {
        token: reader.token,
      }),
    ];
    expect(reads.map((r) => r.status)).toEqual([200, 200]);
  });

  it('holds the per-IP auth rate limit across instances', async () => {
    const client = newClient();
    const tries: Answer[] = [];
    for (let i = 0; i < AUTH_LIMIT + 2; i += 1) {
      // unknown addresses, each once: only the per-IP limit can refuse them
      tries.push(
        await call(client, 'POST', '/api/v1/auth/login', {
          json: { email: `nobody-${i}-${tag}@docent.test`, password: 'not the password at all' },
        }),
      );
    }
    const statuses = tries.map((t) => t.status);
    expect(statuses).toEqual([
      ...Array<number>(AUTH_LIMIT).fill(401),
      ...Array<number>(2).fill(429),
    ]);
    expect(Number(tries.at(-1)!.headers['retry-after'])).toBeGreaterThan(0);
    // both instances counted into the same bucket
    expect([...servedBy(tries.slice(0, AUTH_LIMIT))].sort()).toEqual(apiNames());
    // another client IP behind the same HAProxy has its own budget
    const other = newClient();
    const fresh = await call(other, 'POST', '/api/v1/auth/login', {
      json: { email: `nobody-x-${tag}@docent.test`, password: 'not the password at all' },
    });
    expect(fresh.status).toBe(401);
  });

  it('holds the login lockout across instances', async () => {
    const victim = await signUp('victim');
    const tries: Answer[] = [];
    for (let i = 0; i < LOCKOUT_THRESHOLD; i += 1) {
      tries.push(
        await call(victim.client, 'POST', '/api/v1/auth/login', {
          json: { email: victim.email, password: `wrong guess number ${i} for sure` },
        }),
      );
    }
    expect(tries.map((t) => t.status)).toEqual(Array<number>(LOCKOUT_THRESHOLD).fill(401));
    expect([...servedBy(tries)].sort()).toEqual(apiNames());
    // the right password, on either instance, is refused while the lock holds
    const locked = [
      await call(victim.client, 'POST', '/api/v1/auth/login', {
        json: { email: victim.email, password: victim.password },
      }),
      await call(victim.client, 'POST', '/api/v1/auth/login', {
        json: { email: victim.email, password: victim.password },
      }),
    ];
    expect(locked.map((l) => [l.status, l.body.code])).toEqual([
      [429, 'account_locked'],
      [429, 'account_locked'],
    ]);
    expect([...servedBy(locked)].sort()).toEqual(apiNames());
  });

  it('an admin disables a user: every instance refuses them on the next request', async () => {
    const adminClient = newClient();
    const login = await call(adminClient, 'POST', '/api/v1/auth/login', {
      json: { email: adminEmail, password: adminPassword },
    });
    expect(login.status).toBe(200);
    admin = {
      client: adminClient,
      email: adminEmail,
      password: adminPassword,
      token: login.body.accessToken,
      id: login.body.user.id,
    };
    // the reader is served by both instances right before
    const before = [
      await call(reader.client, 'GET', '/api/v1/auth/me', { token: reader.token }),
      await call(reader.client, 'GET', '/api/v1/auth/me', { token: reader.token }),
    ];
    expect(before.map((b) => b.status)).toEqual([200, 200]);

    const disable = await call(admin.client, 'PATCH', `/api/v1/admin/users/${reader.id}`, {
      token: admin.token,
      json: { status: 'disabled' },
    });
    expect(disable.status).toBe(200);
    const after = [
      await call(reader.client, 'GET', '/api/v1/auth/me', { token: reader.token }),
      await call(reader.client, 'GET', '/api/v1/auth/me', { token: reader.token }),
    ];
    expect(after.map((a) => a.status)).toEqual([401, 401]);
    expect([...servedBy(after)].sort()).toEqual(apiNames());
    for (const a of after) expect(['session_revoked', 'account_disabled']).toContain(a.body.code);
    // their sockets, on both instances, are closed by the server and stay closed
    await ask(() => readerSockets.every((s) => s.disconnects.length > 0), 10_000);
  });

  it('SIGKILL of one api: clients reconnect through HAProxy and continue; the api comes back into the rotation', async () => {
    const victim = ownerSocketHolder;
    const survivor = topology.apis.find((api) => api !== victim)!;
    const connectsBefore = ownerSocket.connects;
    // steady traffic while the api dies
    const during: { status: number | 'error'; servedBy: string }[] = [];
    let running = true;
    const traffic = (async () => {
      while (running) {
        try {
          const a = await call(owner.client, 'GET', '/api/v1/auth/me', { token: owner.token });
          during.push({ status: a.status, servedBy: a.servedBy });
        } catch {
          during.push({ status: 'error', servedBy: '' });
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await topology.kill(victim);
    await ask(() => ownerSocket.connects > connectsBefore && ownerSocket.socket.connected, 20_000);
    const reconnectMs = Date.now() - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    running = false;
    await traffic;
    expect(ownerSocket.disconnects.length).toBeGreaterThan(0);

    // the socket now lives on the survivor, and the worker's events reach it there
    const upload = await owner.client.upload(
      [{ name: 'after-kill.txt', content: fileText(99, marker) }],
      owner.token,
    );
    answers.push(upload);
    expect(upload.status).toBe(202);
    const id = upload.body.accepted[0].id as string;
    await ask(
      () =>
        ownerSocket
          .of('ingestion.progress')
          .some((p) => p.documentId === id && p.status === 'completed'),
      60_000,
    );
    const [row] = await documentRows([id]);
    expect(row).toMatchObject({ status: 'completed' });
    expect(row.positions).toBe(row.rows);
    expect(upload.servedBy).toBe(survivor.name);

    const failed = during.filter((d) => d.status !== 200);
    // a request caught on the dying instance's connection may fail; it is never a 401/403/500
    for (const f of failed) expect([502, 503, 'error']).toContain(f.status);
    accounting['SIGKILL api'] = victim.name;
    accounting['socket reconnected after'] = `${reconnectMs} ms`;
    accounting['requests during the kill'] = `${during.length} (${failed.length} failed: ${
      failed.map((f) => f.status).join(',') || 'none'
    })`;

    // back: HAProxy's health check returns it to the rotation
    const restarted = await topology.restart(victim);
    await topology.haproxy.waitUp(apiNames());
    const again = [
      await call(owner.client, 'GET', '/api/v1/auth/me', { token: owner.token }),
      await call(owner.client, 'GET', '/api/v1/auth/me', { token: owner.token }),
    ];
    expect(again.map((a) => a.status)).toEqual([200, 200]);
    expect([...servedBy(again)].sort()).toEqual(apiNames());
    expect(restarted.name).toBe(victim.name);
  });

  const onRedisCluster = process.env.DOCENT_TEST_REDIS_CLUSTER === '1' ? it : it.skip;

  onRedisCluster(
    'SIGKILL of a Redis master: its replica takes over and the journey continues',
    async () => {
      const cluster = topology.redis.cluster!;
      const master = (await cluster.topology()).find((n) => n.role === 'master' && !n.failed)!;
      const statuses: (number | string)[] = [];
      let fromBalancer = 0;
      const killedAt = Date.now();
      cluster.kill(master.port);
      // requests meanwhile: an outage answers 503 (with Retry-After), never 401 or 500. The
      // cluster is over it once it marks the master failed and serves every slot again
      let over = false;
      const failover = (async () => {
        await waitFor(
          async () => (await cluster.topology()).some((n) => n.port === master.port && n.failed),
          60_000,
          200,
        );
        await cluster.waitHealthy(60_000);
        over = true;
      })();
      while (!over) {
        try {
          const a = await call(owner.client, 'GET', '/api/v1/auth/me', { token: owner.token });
          statuses.push(a.status);
          if (a.status === 503) {
            // from an api, or from HAProxy itself while no api is ready: problem details either way
            expect(a.headers['retry-after']).toBeDefined();
            expect(a.body.code).toBe('dependency_unavailable');
            if (!a.servedBy) fromBalancer += 1;
          }
        } catch (error) {
          statuses.push(`error: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await failover;
      const failoverMs = Date.now() - killedAt;
      await waitFor(
        async () =>
          (await call(owner.client, 'GET', '/api/v1/auth/me', { token: owner.token })).status ===
          200,
        30_000,
        200,
      );
      const recoveredMs = Date.now() - killedAt;
      for (const status of statuses) expect([200, 503]).toContain(status);

      // the journey goes on, as a client does it: a 503 is retried after its Retry-After (another
      // connection of the api may still be finding the new master)
      let retried = 0;
      const retrying = async (send: () => Promise<Answer>): Promise<Answer> => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const answer = await send();
          answers.push(answer);
          if (answer.status !== 503 || Date.now() > deadline) return answer;
          expect(answer.headers['retry-after']).toBeDefined();
          retried += 1;
          const seconds = Math.min(Number(answer.headers['retry-after']) || 1, 2);
          await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        }
      };
      const upload = await retrying(() =>
        owner.client.upload(
          [{ name: 'after-failover.txt', content: fileText(98, marker) }],
          owner.token,
        ),
      );
      expect(upload.status).toBe(202);
      const id = upload.body.accepted[0].id as string;
      await ask(
        () =>
          ownerSocket
            .of('ingestion.progress')
            .some((p) => p.documentId === id && p.status === 'completed'),
        60_000,
      );
      const session = await retrying(() =>
        owner.client.send('POST', '/api/v1/chat/sessions', {
          token: owner.token,
          json: { title: 'after failover' },
        }),
      );
      expect(session.status).toBe(201);
      const answer = await retrying(() =>
        owner.client.send('POST', `/api/v1/chat/sessions/${session.body.id}/messages`, {
          token: owner.token,
          json: { content: `When does the ${uniqueWord(7, marker)} valve open?` },
        }),
      );
      expect(answer.status).toBe(201);
      accounting['Redis master killed'] =
        `:${master.port}, failed over and healthy after ${failoverMs} ms, requests 200 again after ${recoveredMs} ms, statuses meanwhile ${[...new Set(statuses)].join('/')} (${fromBalancer} 503s from HAProxy, no api ready), ${retried} journey requests retried after a 503`;
    },
  );
});
