import { randomBytes, randomInt } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { ConnectionError, multipart, parseSse, type Reply, send, type SendOptions } from './client';
import { sleep } from './services';

/** One HTTP exchange (or socket handshake) as a client saw it. */
export interface Outcome {
  op: string;
  user: number;
  api: number;
  start: number;
  end: number;
  /** 0 when no complete answer arrived (connection error, timeout). */
  status: number;
  /** Connection error code, or the problem `code`. */
  error?: string;
  retryAfter?: string;
  /** SSE: the answer's status was 200 but the stream ended with an `error` event. */
  sseError?: boolean;
}

export interface AcceptedUpload {
  documentId: string;
  user: number;
  filename: string;
  content: Buffer;
  at: number;
}

export interface AnsweredQuestion {
  user: number;
  sessionId: string;
  question: string;
  userMessageId: string;
  assistantMessageId: string;
  answer: string;
  at: number;
}

export interface Share {
  documentId: string;
  owner: number;
  recipient: number;
}

/** Everything the simulated users saw, for the accounting. */
export class Recorder {
  readonly outcomes: Outcome[] = [];
  readonly uploads: AcceptedUpload[] = [];
  readonly questions: AnsweredQuestion[] = [];
  readonly shares: Share[] = [];
  /** Requests on the wire now, for the fault driver ("kill while an upload is in flight"). */
  readonly inflight = new Map<number, { op: string; api: number; start: number; sent: number }>();
  readonly socketEvents = { connects: 0, notifications: 0, refused: new Map<string, number>() };
  relogins = 0;
  /** Shared view of the instances, like a load balancer's: skip one that just refused. */
  readonly downUntil: number[] = [];
  private nextId = 0;

  begin(op: string, api: number): number {
    const id = (this.nextId += 1);
    this.inflight.set(id, { op, api, start: Date.now(), sent: 0 });
    return id;
  }

  finish(id: string | number, outcome: Outcome): void {
    this.inflight.delete(Number(id));
    this.outcomes.push(outcome);
  }
}

export interface ApiTarget {
  url: string;
}

const WORDS = (
  'harbour lantern copper meadow falcon granite violet orchard saffron glacier tundra ember ' +
  'quartz willow cobalt prairie thistle marble canyon juniper beacon walnut fjord tide compass ' +
  'ledger anchor bramble cinder dune ferry grove heron inlet kestrel lagoon mesa nectar'
).split(' ');

/** A text document of about `bytes`, unique (its tag), made of searchable words. */
export function makeDocument(tag: string, bytes: number): Buffer {
  const lines: string[] = [`Report ${tag}.`];
  let size = lines[0].length;
  for (let i = 0; size < bytes; i += 1) {
    const words = Array.from({ length: 12 }, () => WORDS[randomInt(WORDS.length)]);
    const line = `${tag} note ${i}: ${words.join(' ')}.${i % 6 === 5 ? '\n' : ''}`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n'));
}

export interface UserOptions {
  apis: ApiTarget[];
  recorder: Recorder;
  index: number;
  password: string;
  email: string;
  /** Other users, for shares. */
  peers: () => SimUser[];
}

/**
 * One simulated person: signs up, keeps a notification socket open, and until stopped does what
 * people do (uploads, questions over JSON and SSE, notification reads, token refreshes, shares).
 * Its client behaves like the web client should: on a connection error it goes to the other
 * instance (a load balancer would), on 503/429 it waits Retry-After, and it keeps its session
 * unless the server says 401.
 */
export class SimUser {
  id = '';
  access = '';
  refresh = '';
  sessionId = '';
  private turn: number;
  private socket?: Socket;
  private stopped = false;
  private readonly mine: string[] = [];
  private readonly sharedPairs = new Set<string>();

  constructor(private readonly options: UserOptions) {
    this.turn = options.index;
  }

  /** Round robin over the instances (no stickiness), skipping one that just failed to connect. */
  pick(): number {
    const count = this.options.apis.length;
    for (let i = 0; i < count; i += 1) {
      this.turn = (this.turn + 1) % count;
      if ((this.recorder.downUntil[this.turn] ?? 0) <= Date.now()) return this.turn;
    }
    return this.turn;
  }

  get index(): number {
    return this.options.index;
  }

  private get recorder(): Recorder {
    return this.options.recorder;
  }

  /** One exchange, recorded; connection errors move the user to the other instance. */
  async call(
    op: string,
    method: string,
    path: string,
    options: SendOptions & { auth?: boolean; api?: number } = {},
  ): Promise<Reply | ConnectionError> {
    const api = options.api ?? this.pick();
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== false) headers.authorization = `Bearer ${this.access}`;
    const id = this.recorder.begin(op, api);
    const start = Date.now();
    const entry = this.recorder.inflight.get(id)!;
    try {
      const reply = await send(`${this.options.apis[api].url}${path}`, {
        ...options,
        method,
        headers,
        onProgress: (sent) => {
          entry.sent = sent;
          options.onProgress?.(sent);
        },
      });
      let code: string | undefined;
      if (reply.status >= 400) {
        try {
          code = (JSON.parse(reply.text) as { code?: string }).code;
        } catch {
          code = undefined;
        }
      }
      const retryAfter = reply.headers['retry-after'];
      this.recorder.finish(id, {
        op,
        user: this.index,
        api,
        start,
        end: Date.now(),
        status: reply.status,
        error: code,
        retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      });
      if (reply.status === 401 && op !== 'login') await this.relogin();
      return reply;
    } catch (error) {
      const failure = error instanceof ConnectionError ? error : new ConnectionError(String(error));
      this.recorder.finish(id, {
        op,
        user: this.index,
        api,
        start,
        end: Date.now(),
        status: 0,
        error: failure.code,
      });
      if (failure.code !== 'timeout') this.recorder.downUntil[api] = Date.now() + 1000;
      return failure;
    }
  }

  private adopt(body: { accessToken: string; refreshToken: string; user?: { id: string } }) {
    this.access = body.accessToken;
    this.refresh = body.refreshToken;
    if (body.user) this.id = body.user.id;
    this.socket?.emit('auth.refresh', { token: this.access });
  }

  async register(displayName: string): Promise<void> {
    for (;;) {
      const reply = await this.call('register', 'POST', '/api/v1/auth/register', {
        auth: false,
        json: { email: this.options.email, password: this.options.password, displayName },
      });
      if (!(reply instanceof ConnectionError) && reply.status === 201) {
        this.adopt(JSON.parse(reply.text));
        break;
      }
      if (!(reply instanceof ConnectionError) && reply.status < 500 && reply.status !== 429) {
        throw new Error(`register answered ${reply.status}: ${reply.text}`);
      }
      await sleep(500);
    }
    for (;;) {
      const reply = await this.call('session', 'POST', '/api/v1/chat/sessions', { json: {} });
      if (!(reply instanceof ConnectionError) && reply.status === 201) {
        this.sessionId = (JSON.parse(reply.text) as { id: string }).id;
        return;
      }
      await sleep(500);
    }
  }

  /** After a 401 the person signs in again (counted: a 401 for a valid session is a failure). */
  private async relogin(): Promise<void> {
    this.recorder.relogins += 1;
    for (let attempt = 0; attempt < 20 && !this.stopped; attempt += 1) {
      const reply = await this.call('login', 'POST', '/api/v1/auth/login', {
        auth: false,
        json: { email: this.options.email, password: this.options.password },
      });
      if (!(reply instanceof ConnectionError) && reply.status === 200) {
        this.adopt(JSON.parse(reply.text));
        return;
      }
      await sleep(500 + randomInt(500));
    }
  }

  openSocket(): void {
    if (this.stopped) return;
    const api = this.pick();
    const socket = io(`${this.options.apis[api].url}/notifications`, {
      auth: (cb) => cb({ token: this.access }),
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    socket.on('connect', () => (this.recorder.socketEvents.connects += 1));
    socket.on('notification', () => (this.recorder.socketEvents.notifications += 1));
    const retry = () => {
      if (this.socket !== socket || this.stopped) return;
      socket.removeAllListeners();
      socket.close();
      setTimeout(() => this.openSocket(), 500 + randomInt(1000));
    };
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      const key = error.data?.code ?? error.message;
      const refused = this.recorder.socketEvents.refused;
      refused.set(key, (refused.get(key) ?? 0) + 1);
      this.recorder.outcomes.push({
        op: 'socket',
        user: this.index,
        api,
        start: Date.now(),
        end: Date.now(),
        status: error.message === 'unauthorized' ? 401 : 0,
        error: key,
      });
      retry();
    });
    socket.on('disconnect', retry);
  }

  /** Every 250 ms, one authenticated read per instance (JWT guard: Redis; the user: PostgreSQL). */
  async probe(): Promise<void> {
    while (!this.stopped) {
      await Promise.all(
        this.options.apis.map((_, api) =>
          this.call('probe', 'GET', '/api/v1/auth/me', { api, timeoutMs: 10_000 }),
        ),
      );
      await sleep(250);
    }
  }

  stop(): void {
    this.stopped = true;
    this.socket?.removeAllListeners();
    this.socket?.close();
  }

  /** Waits what the answer asked (Retry-After, capped), or a little after other failures. */
  private async backOff(reply: Reply | ConnectionError): Promise<void> {
    if (!(reply instanceof ConnectionError)) {
      const seconds = Number(reply.headers['retry-after']);
      if (Number.isFinite(seconds) && seconds >= 0) return sleep(Math.min(seconds, 3) * 1000);
    }
    return sleep(200 + randomInt(400));
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      await sleep(400 + randomInt(1200));
      if (this.stopped) break;
      const roll = randomInt(100);
      if (roll < 16) await this.upload();
      else if (roll < 30) await this.ask(false);
      else if (roll < 44) await this.ask(true);
      else if (roll < 64) await this.readNotifications();
      else if (roll < 74) await this.refreshTokens(false);
      else if (roll < 78) await this.refreshTokens(true);
      else if (roll < 84) await this.share();
      else if (roll < 92) await this.call('me', 'GET', '/api/v1/auth/me');
      else await this.call('documents', 'GET', '/api/v1/documents?limit=10');
    }
  }

  async upload(options: { bytes?: number; slow?: boolean; api?: number } = {}): Promise<void> {
    const tag = `u${this.index}x${randomBytes(4).toString('hex')}`;
    const content = makeDocument(tag, options.bytes ?? 2_000 + randomInt(30_000));
    const filename = `${tag}.txt`;
    const { body, contentType } = multipart(filename, content);
    const reply = await this.call('upload', 'POST', '/api/v1/documents', {
      api: options.api,
      body,
      headers: { 'content-type': contentType },
      slowChunkBytes: options.slow ? 32_768 : undefined,
      slowDelayMs: 40,
      timeoutMs: 60_000,
    });
    if (reply instanceof ConnectionError || reply.status !== 202) return;
    const accepted = (JSON.parse(reply.text) as { accepted: { id: string }[] }).accepted;
    for (const { id } of accepted) {
      this.mine.push(id);
      this.recorder.uploads.push({
        documentId: id,
        user: this.index,
        filename,
        content,
        at: Date.now(),
      });
    }
  }

  async ask(stream: boolean, api?: number): Promise<void> {
    const question = `What do the notes say about ${WORDS[randomInt(WORDS.length)]} (${randomBytes(3).toString('hex')})?`;
    const reply = await this.call(
      stream ? 'ask-stream' : 'ask',
      'POST',
      `/api/v1/chat/sessions/${this.sessionId}/messages`,
      {
        api,
        json: { content: question },
        headers: stream ? { accept: 'text/event-stream' } : {},
        timeoutMs: 30_000,
      },
    );
    if (reply instanceof ConnectionError) return;
    let result:
      | { userMessage: { id: string }; assistantMessage: { id: string; content: string } }
      | undefined;
    if (!stream && reply.status === 201) result = JSON.parse(reply.text);
    if (stream && reply.status === 200) {
      const events = parseSse(reply.text);
      const message = events.find((e) => e.event === 'message');
      const error = events.find((e) => e.event === 'error');
      if (message) result = message.data as typeof result;
      else if (error) {
        // the stream's status was 200: what the client sees is the problem in the error event
        const problem = error.data as { status?: number; code?: string; retryAfter?: unknown };
        const last = this.recorder.outcomes[this.recorder.outcomes.length - 1];
        if (last && last.user === this.index && last.op === 'ask-stream') {
          last.status = problem.status ?? 500;
          last.error = problem.code;
          last.sseError = true;
          last.retryAfter =
            problem.retryAfter === undefined ? undefined : String(problem.retryAfter);
        }
      }
    }
    if (!result) return;
    this.recorder.questions.push({
      user: this.index,
      sessionId: this.sessionId,
      question,
      userMessageId: result.userMessage.id,
      assistantMessageId: result.assistantMessage.id,
      answer: result.assistantMessage.content,
      at: Date.now(),
    });
  }

  async readNotifications(): Promise<void> {
    const reply = await this.call('notifications', 'GET', '/api/v1/notifications?limit=10');
    if (!(reply instanceof ConnectionError) && reply.status === 200) {
      const items = (JSON.parse(reply.text) as { items: { id: string; readAt: string | null }[] })
        .items;
      const unread = items.find((item) => item.readAt === null);
      if (unread) await this.call('read', 'POST', `/api/v1/notifications/${unread.id}/read`);
    }
    await this.call('unread-count', 'GET', '/api/v1/notifications/unread-count');
  }

  /**
   * Rotates the refresh token, retrying the SAME token after a failure (the answer may have been
   * lost after the server rotated, as after a timeout). `twoTabs`: two refreshes with the same
   * token at once, one per instance (two browser tabs).
   */
  async refreshTokens(twoTabs: boolean): Promise<void> {
    const token = this.refresh;
    if (twoTabs && this.options.apis.length > 1) {
      const replies = await Promise.all(
        this.options.apis.map((_, api) =>
          this.call('refresh-two-tabs', 'POST', '/api/v1/auth/refresh', {
            api,
            auth: false,
            json: { refreshToken: token },
          }),
        ),
      );
      const ok = replies.find(
        (r): r is Reply => !(r instanceof ConnectionError) && r.status === 200,
      );
      if (ok && this.refresh === token) this.adopt(JSON.parse(ok.text));
      return;
    }
    for (let attempt = 0; attempt < 8 && !this.stopped; attempt += 1) {
      if (this.refresh !== token) return; // a re-login replaced the session
      const reply = await this.call('refresh', 'POST', '/api/v1/auth/refresh', {
        auth: false,
        json: { refreshToken: token },
      });
      if (!(reply instanceof ConnectionError) && reply.status === 200) {
        this.adopt(JSON.parse(reply.text));
        return;
      }
      if (!(reply instanceof ConnectionError) && reply.status !== 503 && reply.status !== 429) {
        return;
      }
      await this.backOff(reply);
    }
  }

  async share(): Promise<void> {
    const documentId = this.mine[randomInt(Math.max(this.mine.length, 1))];
    const peers = this.options.peers().filter((peer) => peer !== this && peer.id);
    if (!documentId || peers.length === 0) return;
    const peer = peers[randomInt(peers.length)];
    const pair = `${documentId}:${peer.id}`;
    if (this.sharedPairs.has(pair)) return;
    const reply = await this.call('share', 'POST', `/api/v1/documents/${documentId}/shares`, {
      json: { userId: peer.id, permission: 'read' },
    });
    if (!(reply instanceof ConnectionError) && reply.status === 201) {
      this.sharedPairs.add(pair);
      this.recorder.shares.push({ documentId, owner: this.index, recipient: peer.index });
    }
  }
}
