import { JwtService } from '@nestjs/jwt';
import { randomBytes, randomUUID } from 'node:crypto';
import { waitFor } from './support/http';
import {
  closeAll,
  connectSocket,
  listen,
  openSocket,
  refused,
  type SocketOptions,
  type TestSocket,
} from './support/socket';
import { bearer, newIdentity, signUp, type Stack, startStack } from './support/stack';

// app instances start in the hooks; slow on a busy machine
jest.setTimeout(60_000);

interface Registered {
  id: string;
  token: string;
  refreshToken: string;
}

const ALLOWED_ORIGIN = 'http://allowed.test';

async function register(stack: Stack): Promise<Registered> {
  const res = await stack.http.post('/api/v1/auth/register').send(newIdentity('sock')).expect(201);
  return {
    id: res.body.user.id as string,
    token: res.body.accessToken as string,
    refreshToken: res.body.refreshToken as string,
  };
}

/** The `sid` claim of an access token (the session the socket joins as `session:<sid>`). */
const sessionOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { sid: string })
    .sid;

/** What the server sent besides the unread count every socket gets on connecting. */
const besidesUnreadCount = (client: TestSocket) =>
  client.events.filter((entry) => entry.event !== 'unread-count');

/** Expected refusal: `connect_error` "unauthorized", with the reason in `data.code`. */
async function expectRefused(client: TestSocket, code: string): Promise<void> {
  const error = await refused(client);
  client.socket.close();
  expect(error).toEqual({ message: 'unauthorized', data: { code } });
}

describe('notifications socket: handshake, session end, expiry (real Redis, PostgreSQL, socket.io)', () => {
  let stack: Stack;
  let baseUrl: string;
  const clients: TestSocket[] = [];
  const open = (options: SocketOptions) => {
    const client = openSocket(baseUrl, options);
    clients.push(client);
    return client;
  };
  const connect = async (options: SocketOptions) => {
    const client = await connectSocket(baseUrl, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // PUBLIC_APP_URL's origin is deliberately not in CORS_ORIGINS: the served web client is allowed anyway
    stack = await startStack({
      SOCKET_MAX_MESSAGE_BYTES: '4096',
      PUBLIC_APP_URL: 'http://docent-web.test:8080/',
    });
    baseUrl = await listen(stack.api);
  });

  afterEach(() => closeAll(clients));

  afterAll(async () => {
    closeAll(clients);
    await stack?.close();
  });

  /** Signs a token with the api's own key and options, with the given claims and header. */
  function sign(
    claims: Record<string, unknown>,
    options: { secret?: Buffer; expiresIn?: number; typ?: string } = {},
  ): string {
    const { auth } = stack.config;
    return new JwtService().sign(claims, {
      secret: options.secret ?? Buffer.from(auth.jwtAccessSecret, 'utf8'),
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: options.typ ?? 'at+jwt' },
      issuer: auth.jwtIssuer,
      audience: auth.jwtAudience,
      expiresIn: options.expiresIn ?? 600,
    });
  }

  describe('the handshake', () => {
    it('accepts a valid access token, with an allowed Origin or none, over WebSocket or polling', async () => {
      const user = await register(stack);
      const bare = await connect({ token: user.token });
      expect(bare.socket.connected).toBe(true);
      const browser = await connect({ token: user.token, origin: ALLOWED_ORIGIN });
      expect(browser.socket.connected).toBe(true);
      const polling = await connect({
        token: user.token,
        origin: ALLOWED_ORIGIN,
        transports: ['polling'],
      });
      expect(polling.socket.connected).toBe(true);
      expect(stack.config.app.corsOrigins).not.toContain('http://docent-web.test:8080');
      const webClient = await connect({ token: user.token, origin: 'http://docent-web.test:8080' });
      expect(webClient.socket.connected).toBe(true);
    });

    it('refuses no token, a malformed token, a bad signature and a foreign Origin', async () => {
      const user = await register(stack);
      const claims = { sub: user.id, sid: sessionOf(user.token), role: 'member' };
      await expectRefused(open({}), 'missing_token');
      await expectRefused(open({ token: 'not-a-jwt' }), 'invalid_token');
      await expectRefused(
        open({ token: sign(claims, { secret: randomBytes(48) }) }),
        'invalid_token',
      );
      // the signed token is fine, the page that opened the socket is not
      expect((await connect({ token: sign(claims) })).socket.connected).toBe(true);
      await expectRefused(
        open({ token: sign(claims), origin: 'https://evil.example' }),
        'origin_not_allowed',
      );
    });

    it('refuses an expired token, a refresh token and a token of another type', async () => {
      const user = await register(stack);
      const claims = { sub: user.id, sid: sessionOf(user.token), role: 'member' };
      // beyond the 5 s clock tolerance
      await expectRefused(open({ token: sign(claims, { expiresIn: -30 }) }), 'token_expired');
      await expectRefused(open({ token: user.refreshToken }), 'invalid_token');
      await expectRefused(open({ token: sign(claims, { typ: 'JWT' }) }), 'invalid_token');
    });

    it('refuses a revoked session and a disabled user', async () => {
      const user = await register(stack);
      await stack.http
        .post('/api/v1/auth/logout')
        .set(bearer(user.token))
        .send({ refreshToken: user.refreshToken })
        .expect(204);
      await expectRefused(open({ token: user.token }), 'session_revoked');

      const admin = await signUp(stack, { role: 'admin', prefix: 'sockadmin' });
      const member = await register(stack);
      await stack.http
        .patch(`/api/v1/admin/users/${member.id}`)
        .set(bearer(admin.token))
        .send({ status: 'disabled' })
        .expect(200);
      // a token of a session that was not ended (signed now) is still refused for the account
      const fresh = sign({ sub: member.id, sid: randomUUID(), role: 'member' });
      await expectRefused(open({ token: fresh }), 'account_disabled');
      await expectRefused(open({ token: member.token }), 'session_revoked');
    });

    it('serves only /notifications: the default namespace refuses everyone', async () => {
      const user = await register(stack);
      const { io } = await import('socket.io-client');
      const root = io(baseUrl, {
        auth: { token: user.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      try {
        const error = await new Promise<Error>((resolve, reject) => {
          root.once('connect', () => reject(new Error('the default namespace accepted')));
          root.once('connect_error', resolve);
        });
        expect(error.message).toBe('unauthorized');
      } finally {
        root.close();
      }
    });
  });

  describe('ending a session or an account', () => {
    it('logout disconnects the sockets of that session only', async () => {
      const identity = newIdentity('sock');
      await stack.http.post('/api/v1/auth/register').send(identity).expect(201);
      const credentials = { email: identity.email, password: identity.password };
      const first = await stack.http.post('/api/v1/auth/login').send(credentials).expect(200);
      const second = await stack.http.post('/api/v1/auth/login').send(credentials).expect(200);
      const ending = await connect({ token: first.body.accessToken as string });
      const staying = await connect({ token: second.body.accessToken as string });

      await stack.http
        .post('/api/v1/auth/logout')
        .set(bearer(first.body.accessToken as string))
        .send({ refreshToken: first.body.refreshToken as string })
        .expect(204);

      await expect(ending.disconnected).resolves.toBe('io server disconnect');
      // the other session's socket is untouched: it still answers a round trip
      const ack = await staying.socket
        .timeout(5000)
        .emitWithAck('auth.refresh', { token: second.body.accessToken as string });
      expect(ack).toMatchObject({ ok: true });
      expect(staying.socket.connected).toBe(true);
    });

    it('an admin disabling the user disconnects every socket of the user', async () => {
      const admin = await signUp(stack, { role: 'admin', prefix: 'sockadmin' });
      const identity = newIdentity('sock');
      await stack.http.post('/api/v1/auth/register').send(identity).expect(201);
      const login = await stack.http
        .post('/api/v1/auth/login')
        .send({ email: identity.email, password: identity.password })
        .expect(200);
      const other = await register(stack);
      const a = await connect({ token: login.body.accessToken as string });
      const b = await connect({ token: login.body.accessToken as string });
      const bystander = await connect({ token: other.token });

      await stack.http
        .patch(`/api/v1/admin/users/${login.body.user.id as string}`)
        .set(bearer(admin.token))
        .send({ status: 'disabled' })
        .expect(200);

      await expect(a.disconnected).resolves.toBe('io server disconnect');
      await expect(b.disconnected).resolves.toBe('io server disconnect');
      expect(bystander.socket.connected).toBe(true);
    });
  });

  describe('auth.refresh', () => {
    it('refuses a token of another user or session, and a missing one, and keeps the socket', async () => {
      const user = await register(stack);
      const other = await register(stack);
      const client = await connect({ token: user.token });
      await expect(
        client.socket.timeout(5000).emitWithAck('auth.refresh', { token: other.token }),
      ).resolves.toEqual({ ok: false, error: 'token_mismatch' });
      await expect(
        client.socket.timeout(5000).emitWithAck('auth.refresh', { token: 'garbage' }),
      ).resolves.toEqual({ ok: false, error: 'invalid_token' });
      await expect(client.socket.timeout(5000).emitWithAck('auth.refresh', {})).resolves.toEqual({
        ok: false,
        error: 'missing_token',
      });
      expect(client.socket.connected).toBe(true);
    });

    it('a message larger than SOCKET_MAX_MESSAGE_BYTES closes the connection', async () => {
      const user = await register(stack);
      const client = await connect({ token: user.token });
      client.socket.emit('auth.refresh', { token: 'x'.repeat(8192) });
      await expect(client.disconnected).resolves.toBe('transport close');
    });
  });

  it('/metrics counts the sockets connected to this instance', async () => {
    const user = await register(stack);
    const gauge = async () => {
      const res = await stack.http.get('/metrics').expect(200);
      const line = (res.text as string)
        .split('\n')
        .find((entry) => entry.startsWith('socket_connections{'));
      return Number(line?.split(' ').pop());
    };
    await waitFor(async () => (await gauge()) === 0, 5000);
    await connect({ token: user.token });
    await connect({ token: user.token });
    expect(await gauge()).toBe(2);
    closeAll(clients);
    await waitFor(async () => (await gauge()) === 0, 5000);
  });
});

describe('notifications socket: token expiry (JWT_ACCESS_TTL=3s)', () => {
  let stack: Stack;
  let baseUrl: string;
  const clients: TestSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ JWT_ACCESS_TTL: '3s' });
    baseUrl = await listen(stack.api);
  });

  afterAll(async () => {
    closeAll(clients);
    await stack?.close();
  });

  it('a socket whose token expires un-renewed gets auth.expired, then is disconnected', async () => {
    const user = await register(stack);
    const client = await connectSocket(baseUrl, { token: user.token });
    clients.push(client);
    const reason = await client.disconnected;
    expect(reason).toBe('io server disconnect');
    expect(besidesUnreadCount(client)).toEqual([
      { event: 'auth.expired', payload: { reason: 'token_expired' } },
    ]);
  });

  it('auth.refresh with a renewed token keeps the socket past the first expiry', async () => {
    const user = await register(stack);
    const firstExpiry = JSON.parse(
      Buffer.from(user.token.split('.')[1], 'base64url').toString('utf8'),
    ) as { exp: number };
    const client = await connectSocket(baseUrl, { token: user.token });
    clients.push(client);
    // a second after the first token, so its expiry is later
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const renewed = await stack.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(200);
    const ack = (await client.socket
      .timeout(5000)
      .emitWithAck('auth.refresh', { token: renewed.body.accessToken as string })) as {
      ok: boolean;
      expiresAt: string;
    };
    expect(ack.ok).toBe(true);
    const secondExpiry = Date.parse(ack.expiresAt);
    expect(secondExpiry).toBeGreaterThan(firstExpiry.exp * 1000);

    // past the first token's expiry: still connected, nothing received
    await waitFor(async () => Date.now() > firstExpiry.exp * 1000 + 300, 5000, 50);
    expect(client.socket.connected).toBe(true);
    expect(besidesUnreadCount(client)).toEqual([]);

    // the renewed token expires in turn, un-renewed this time
    await expect(client.disconnected).resolves.toBe('io server disconnect');
    expect(besidesUnreadCount(client)).toEqual([
      { event: 'auth.expired', payload: { reason: 'token_expired' } },
    ]);
    expect(Date.now()).toBeGreaterThanOrEqual(secondExpiry);
  });
});

describe('notifications socket: api shutdown', () => {
  it('app.close() closes the sockets (the client sees a transport close and may reconnect elsewhere) and finishes', async () => {
    const stack = await startStack();
    let closed = false;
    try {
      const baseUrl = await listen(stack.api);
      const user = await register(stack);
      const client = await connectSocket(baseUrl, { token: user.token });
      await stack.close();
      closed = true;
      await expect(client.disconnected).resolves.toBe('transport close');
      client.socket.close();
      // the HTTP server is gone with it
      await expect(globalThis.fetch(`${baseUrl}/health/live`)).rejects.toThrow();
    } finally {
      if (!closed) await stack.close();
    }
  });
});
