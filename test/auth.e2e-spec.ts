import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import jwt from 'jsonwebtoken';
import { createSecretKey, randomBytes } from 'node:crypto';
import type request from 'supertest';
import { AccountService } from '@docent/auth';
import { AuditEvent } from '@docent/audit';
import { newIdentity, type Stack, startStack } from './support/stack';

type Http = ReturnType<typeof request>;
interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

async function register(
  http: Http,
  identity = newIdentity(),
): Promise<Tokens & { identity: typeof identity }> {
  const res = await http.post('/api/v1/auth/register').send(identity).expect(201);
  return { ...(res.body as Tokens), identity };
}

async function login(http: Http, email: string, password: string): Promise<Tokens> {
  const res = await http.post('/api/v1/auth/login').send({ email, password }).expect(200);
  return res.body as Tokens;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('authentication (real PostgreSQL, Redis, bull worker and SMTP)', () => {
  let stack: Stack;
  let http: Http;
  const secrets: string[] = [];

  beforeAll(async () => {
    // reuse detection at its strictest: with no grace window (JWT_REFRESH_REUSE_GRACE=0) a spent
    // token presented again is theft at once; the window itself is tested in faults.e2e-spec.ts
    stack = await startStack({ JWT_REFRESH_REUSE_GRACE: '0' }, { worker: true });
    http = stack.http;
  });

  afterAll(async () => {
    await stack?.close();
  });

  /** Every password and token a test handles, so the log check at the end can look for them. */
  const remember = <T extends Partial<Tokens>>(value: T, ...passwords: string[]): T => {
    if (value.accessToken) secrets.push(value.accessToken);
    if (value.refreshToken) secrets.push(value.refreshToken);
    secrets.push(...passwords);
    return value;
  };

  const audit = async (where: Partial<AuditEvent>) =>
    stack.api
      .get(EntityManager)
      .fork()
      .find(AuditEvent, where, { orderBy: { occurredAt: 'asc' } });

  describe('register', () => {
    it('creates a member account and signs it in', async () => {
      const identity = newIdentity();
      const res = await http
        .post('/api/v1/auth/register')
        .send({ ...identity, email: identity.email.toUpperCase() })
        .expect(201);
      remember(res.body, identity.password);
      expect(res.body).toEqual({
        user: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          email: identity.email,
          displayName: identity.displayName,
          role: 'member',
          status: 'active',
          createdAt: expect.any(String),
        },
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expiresIn: 900,
      });
      const me = await http.get('/api/v1/auth/me').set(bearer(res.body.accessToken)).expect(200);
      expect(me.body).toEqual({
        id: res.body.user.id,
        email: identity.email,
        displayName: identity.displayName,
        role: 'member',
        permissions: expect.any(Array),
        packedRules: expect.any(Array),
        createdAt: res.body.user.createdAt,
      });
      expect(await audit({ action: 'auth.register', actorId: res.body.user.id })).toHaveLength(1);
    });

    it('refuses an e-mail already registered, whatever its case (409)', async () => {
      const { identity } = remember(await register(http));
      const res = await http
        .post('/api/v1/auth/register')
        .send({ ...newIdentity(), email: `  ${identity.email.toUpperCase()} ` });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'email_taken', errors: [{ field: 'email' }] });
    });

    it.each([
      ['password_too_short', 'short pass'],
      ['password_too_long', 'x'.repeat(129)],
      ['password_too_common', 'passwordpassword1'],
    ])('refuses a password with %s and names the reason', async (code, password) => {
      const identity = newIdentity();
      const res = await http.post('/api/v1/auth/register').send({ ...identity, password });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.code).toBe(code);
      expect(res.body.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
      const login = await http.post('/api/v1/auth/login').send({ email: identity.email, password });
      expect(login.status).toBe(401);
    });

    it('refuses a password derived from the e-mail address', async () => {
      const res = await http.post('/api/v1/auth/register').send({
        email: 'margaret.hamilton@docent.test',
        password: 'MargaretHamilton1969!',
        displayName: 'M',
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('password_derived_from_email');
    });

    it('counts length in code points and never truncates', async () => {
      const emoji = '🔐🌲🦊🚀🎲'.repeat(3); // 15 code points, 30 UTF-16 units
      const identity = { ...newIdentity(), password: emoji };
      remember(await register(http, identity), emoji);
      const tooShort = await http
        .post('/api/v1/auth/register')
        .send({ ...newIdentity(), password: emoji.slice(0, 28) }); // 14 code points
      expect(tooShort.body.code).toBe('password_too_short');
      // a 128-code-point password must be used whole, not cut at some byte length
      const long = randomBytes(64).toString('hex'); // 128 code points
      const longIdentity = { ...newIdentity(), password: long };
      remember(await register(http, longIdentity), long);
      const wrongTail = await http
        .post('/api/v1/auth/login')
        .send({ email: longIdentity.email, password: `${long.slice(0, 127)}y` });
      expect(wrongTail.status).toBe(401);
    });

    it('refuses mass assignment: no role, status or id can be set by the caller', async () => {
      for (const extra of [
        { role: 'admin' },
        { status: 'active' },
        { id: '01936f00-0000-7000-8000-000000000001' },
      ]) {
        const identity = newIdentity();
        const res = await http.post('/api/v1/auth/register').send({ ...identity, ...extra });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([
          { field: Object.keys(extra)[0], message: expect.any(String) },
        ]);
        const login = await http
          .post('/api/v1/auth/login')
          .send({ email: identity.email, password: identity.password });
        expect(login.status).toBe(401);
      }
    });

    it('validates the body with field-level problems', async () => {
      const res = await http
        .post('/api/v1/auth/register')
        .send({ email: 'nope', password: 3, extra: 1 });
      expect(res.status).toBe(400);
      const fields = [
        ...new Set((res.body.errors as { field: string }[]).map((e) => e.field)),
      ].sort();
      expect(fields).toEqual(['displayName', 'email', 'extra', 'password']);
    });
  });

  describe('login', () => {
    it('signs in and audits the success', async () => {
      const { identity, user } = remember(await register(http));
      const tokens = remember(await login(http, identity.email.toUpperCase(), identity.password));
      expect(tokens.user.id).toBe(user.id);
      const events = await audit({ action: 'auth.login', actorId: user.id, outcome: 'success' });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ ip: expect.any(String), requestId: expect.any(String) });
    });

    it('answers an unknown e-mail and a wrong password identically', async () => {
      const { identity } = remember(await register(http));
      const wrong = await http
        .post('/api/v1/auth/login')
        .send({ email: identity.email, password: 'wrong wrong wrong 1' });
      const unknown = await http
        .post('/api/v1/auth/login')
        .send({ email: `nobody-${identity.email}`, password: 'wrong wrong wrong 1' });
      for (const res of [wrong, unknown]) {
        expect(res.status).toBe(401);
      }
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(wrong.body)).toEqual(strip(unknown.body));
      expect(wrong.body.code).toBe('invalid_credentials');
      expect(Object.keys(wrong.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
      const failures = await audit({ action: 'auth.login', outcome: 'failure' });
      expect(failures.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('access tokens', () => {
    let tokens: Tokens;
    let key: ReturnType<typeof createSecretKey>;
    const claims = () => ({
      role: 'member',
      sid: (jwt.decode(tokens.accessToken) as { sid: string }).sid,
    });
    const sign = (payload: object, options: jwt.SignOptions, secret: jwt.Secret = key) =>
      jwt.sign(payload, secret, {
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: 'at+jwt' },
        ...options,
      });
    const base = () => ({
      subject: tokens.user.id,
      issuer: 'docent',
      audience: 'docent-api',
      expiresIn: 60,
    });

    beforeAll(async () => {
      tokens = remember(await register(http));
      key = createSecretKey(Buffer.from(stack.config.auth.jwtAccessSecret, 'utf8'));
    });

    it('accepts a well-formed token (the table below differs from it in one thing each)', async () => {
      await http
        .get('/api/v1/auth/me')
        .set(bearer(sign(claims(), base())))
        .expect(200);
    });

    const none = (payload: object) =>
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(
        JSON.stringify(payload),
      ).toString('base64url')}.`;

    const table: [string, () => string, string][] = [
      ['no token', () => '', 'missing_token'],
      ['garbage', () => 'not.a.jwt', 'invalid_token'],
      [
        'another key',
        () => sign(claims(), base(), 'another-secret-that-is-at-least-32-bytes!!'),
        'invalid_token',
      ],
      [
        'alg none',
        () =>
          none({
            ...claims(),
            sub: tokens.user.id,
            iss: 'docent',
            aud: 'docent-api',
            exp: Math.floor(Date.now() / 1000) + 60,
          }),
        'invalid_token',
      ],
      [
        'HS512 with the right key',
        () =>
          jwt.sign(claims(), key, {
            ...base(),
            algorithm: 'HS512',
            header: { alg: 'HS512', typ: 'at+jwt' },
          }),
        'invalid_token',
      ],
      [
        'expired',
        () => {
          const { expiresIn: _unused, ...rest } = base();
          return sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 60 }, rest);
        },
        'token_expired',
      ],
      ['not yet valid', () => sign(claims(), { ...base(), notBefore: 300 }), 'token_not_yet_valid'],
      [
        'wrong issuer',
        () => sign(claims(), { ...base(), issuer: 'someone-else' }),
        'invalid_token',
      ],
      [
        'wrong audience',
        () => sign(claims(), { ...base(), audience: 'another-api' }),
        'invalid_token',
      ],
      [
        'plain JWT typ',
        () =>
          jwt.sign(claims(), key, {
            ...base(),
            algorithm: 'HS256',
            header: { alg: 'HS256', typ: 'JWT' },
          }),
        'invalid_token',
      ],
      ['refresh token as access token', () => tokens.refreshToken, 'invalid_token'],
      [
        'payload edited (role admin), signature kept',
        () => {
          const [header, , signature] = tokens.accessToken.split('.');
          const payload = { ...(jwt.decode(tokens.accessToken) as object), role: 'admin' };
          return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
        },
        'invalid_token',
      ],
      ['missing session claim', () => sign({ role: 'member' }, base()), 'invalid_token'],
    ];

    it.each(table)('refuses %s with 401 (%s)', async (_name, make, code) => {
      const token = make();
      const req = http.get('/api/v1/auth/me');
      const res = await (token ? req.set(bearer(token)) : req);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(code);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });
  });

  describe('refresh', () => {
    it('rotates: the new pair works and the old refresh token is spent', async () => {
      const first = remember(await register(http));
      const res = await http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: first.refreshToken })
        .expect(200);
      const second = remember(res.body as Tokens);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      await http.get('/api/v1/auth/me').set(bearer(second.accessToken)).expect(200);
      const third = remember(
        (
          await http
            .post('/api/v1/auth/refresh')
            .send({ refreshToken: second.refreshToken })
            .expect(200)
        ).body,
      );
      expect(third.refreshToken).not.toBe(second.refreshToken);
    });

    it('treats a spent token presented again as theft: the family ends, other sessions live on', async () => {
      const { identity } = remember(await register(http));
      const victim = remember(await login(http, identity.email, identity.password));
      const otherDevice = remember(await login(http, identity.email, identity.password));
      const rotated = remember(
        (
          await http
            .post('/api/v1/auth/refresh')
            .send({ refreshToken: victim.refreshToken })
            .expect(200)
        ).body as Tokens,
      );

      const replay = await http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: victim.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('refresh_token_reused');

      // the whole family is gone: the rotated refresh token and its access token
      const afterReuse = await http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: rotated.refreshToken });
      expect(afterReuse.status).toBe(401);
      expect(afterReuse.body.code).toBe('session_revoked');
      const me = await http.get('/api/v1/auth/me').set(bearer(rotated.accessToken));
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('session_revoked');

      await http.get('/api/v1/auth/me').set(bearer(otherDevice.accessToken)).expect(200);
      remember(
        (
          await http
            .post('/api/v1/auth/refresh')
            .send({ refreshToken: otherDevice.refreshToken })
            .expect(200)
        ).body,
      );

      const events = await audit({ action: 'auth.refresh_token_reused' });
      expect(
        events.some((e) => e.metadata.userId === victim.user.id && e.outcome === 'denied'),
      ).toBe(true);
    });

    it('lets at most one of ten concurrent refreshes with the same token succeed', async () => {
      const tokens = remember(await register(http));
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          http.post('/api/v1/auth/refresh').send({ refreshToken: tokens.refreshToken }),
        ),
      );
      for (const res of results) remember(res.body);
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(10 - ok.length);
    });

    it('refuses unknown and malformed refresh tokens', async () => {
      for (const refreshToken of ['x'.repeat(43), 'short', 'a'.repeat(300)]) {
        const res = await http.post('/api/v1/auth/refresh').send({ refreshToken });
        expect(res.status === 401 || res.status === 400).toBe(true);
        expect(res.body.code).not.toBe('refresh_token_reused');
      }
    });
  });

  describe('ending sessions takes effect on the next request', () => {
    it('logout ends that session only', async () => {
      const { identity } = remember(await register(http));
      const a = remember(await login(http, identity.email, identity.password));
      const b = remember(await login(http, identity.email, identity.password));
      // someone else's refresh token does nothing
      const stranger = remember(await register(http));
      await http
        .post('/api/v1/auth/logout')
        .set(bearer(stranger.accessToken))
        .send({ refreshToken: a.refreshToken })
        .expect(204);
      await http.get('/api/v1/auth/me').set(bearer(a.accessToken)).expect(200);

      await http
        .post('/api/v1/auth/logout')
        .set(bearer(a.accessToken))
        .send({ refreshToken: a.refreshToken })
        .expect(204);
      expect((await http.get('/api/v1/auth/me').set(bearer(a.accessToken))).status).toBe(401);
      expect(
        (await http.post('/api/v1/auth/refresh').send({ refreshToken: a.refreshToken })).status,
      ).toBe(401);
      await http.get('/api/v1/auth/me').set(bearer(b.accessToken)).expect(200);
      // logging out twice, or with a token we never issued, says nothing either way
      for (const refreshToken of [a.refreshToken, 'Z'.repeat(43)]) {
        await http
          .post('/api/v1/auth/logout')
          .set(bearer(b.accessToken))
          .send({ refreshToken })
          .expect(204);
      }
      expect(await audit({ action: 'auth.logout', actorId: a.user.id })).toHaveLength(1);
    });

    it('logout-all ends every session of the caller', async () => {
      const { identity } = remember(await register(http));
      const sessions = [
        remember(await login(http, identity.email, identity.password)),
        remember(await login(http, identity.email, identity.password)),
      ];
      await http.post('/api/v1/auth/logout-all').set(bearer(sessions[0].accessToken)).expect(204);
      for (const s of sessions) {
        expect((await http.get('/api/v1/auth/me').set(bearer(s.accessToken))).status).toBe(401);
        expect(
          (await http.post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken })).status,
        ).toBe(401);
      }
      expect(await audit({ action: 'auth.logout_all', actorId: sessions[0].user.id })).toHaveLength(
        1,
      );
    });

    it("lists the caller's sessions and ends one; another user's session is not found", async () => {
      const { identity } = remember(await register(http));
      const here = remember(await login(http, identity.email, identity.password));
      const there = remember(await login(http, identity.email, identity.password));
      const list = await http
        .get('/api/v1/auth/sessions')
        .set(bearer(here.accessToken))
        .expect(200);
      expect(list.body.nextCursor).toBeNull();
      expect(list.body.items.length).toBeGreaterThanOrEqual(3);
      const current = list.body.items.filter((s: { current: boolean }) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0]).toMatchObject({
        ip: expect.any(String),
        userAgent: null,
        lastUsedAt: expect.any(String),
      });
      const thereId = (jwt.decode(there.accessToken) as { sid: string }).sid;

      const stranger = remember(await register(http));
      const notFound = await http
        .delete(`/api/v1/auth/sessions/${thereId}`)
        .set(bearer(stranger.accessToken));
      expect(notFound.status).toBe(404);
      await http.get('/api/v1/auth/me').set(bearer(there.accessToken)).expect(200);

      await http
        .delete(`/api/v1/auth/sessions/${thereId}`)
        .set(bearer(here.accessToken))
        .expect(204);
      expect((await http.get('/api/v1/auth/me').set(bearer(there.accessToken))).status).toBe(401);
      await http.get('/api/v1/auth/me').set(bearer(here.accessToken)).expect(200);
      expect(await audit({ action: 'auth.session_ended', targetId: thereId })).toHaveLength(1);
      expect(
        (await http.delete('/api/v1/auth/sessions/not-a-uuid').set(bearer(here.accessToken)))
          .status,
      ).toBe(400);
    });

    it('change-password keeps this session, ends the others, and checks both passwords', async () => {
      const { identity } = remember(await register(http));
      const here = remember(await login(http, identity.email, identity.password));
      const there = remember(await login(http, identity.email, identity.password));
      const wrong = await http
        .post('/api/v1/auth/change-password')
        .set(bearer(here.accessToken))
        .send({ currentPassword: 'not my password at all', newPassword: 'a brand new passphrase' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('current_password_incorrect');
      const weak = await http
        .post('/api/v1/auth/change-password')
        .set(bearer(here.accessToken))
        .send({ currentPassword: identity.password, newPassword: 'short' });
      expect(weak.body).toMatchObject({
        code: 'password_too_short',
        errors: [{ field: 'newPassword' }],
      });

      const next = 'violet gravel anchor drift';
      remember({}, next);
      await http
        .post('/api/v1/auth/change-password')
        .set(bearer(here.accessToken))
        .send({ currentPassword: identity.password, newPassword: next })
        .expect(204);
      await http.get('/api/v1/auth/me').set(bearer(here.accessToken)).expect(200);
      expect((await http.get('/api/v1/auth/me').set(bearer(there.accessToken))).status).toBe(401);
      expect(
        (
          await http
            .post('/api/v1/auth/login')
            .send({ email: identity.email, password: identity.password })
        ).status,
      ).toBe(401);
      remember(await login(http, identity.email, next));
      const mail = await stack.smtp.waitFor(
        (m) => m.to.includes(identity.email) && /password/i.test(m.subject),
        10_000,
      );
      expect(mail.text).toContain(identity.displayName);
    });
  });

  describe('disabled users', () => {
    it('are refused everywhere: existing tokens, refresh and login', async () => {
      const { identity, user, accessToken, refreshToken } = remember(await register(http));
      const accounts = stack.api.get(AccountService);
      // AccountService runs inside a request context in production; give it one here
      await RequestContext.create(stack.api.get(EntityManager), async () => {
        const entity = await accounts.findById(user.id);
        await accounts.setStatus(entity!, 'disabled');
      });
      expect(await audit({ action: 'user.status_changed', targetId: user.id })).toHaveLength(1);

      const me = await http.get('/api/v1/auth/me').set(bearer(accessToken));
      expect(me.status).toBe(401);
      expect((await http.post('/api/v1/auth/refresh').send({ refreshToken })).status).toBe(401);
      const signIn = await http
        .post('/api/v1/auth/login')
        .send({ email: identity.email, password: identity.password });
      expect(signIn.status).toBe(403);
      expect(signIn.body.code).toBe('account_disabled');
      // the wrong password still gets the generic answer: a disabled account is not revealed by guessing
      const guess = await http
        .post('/api/v1/auth/login')
        .send({ email: identity.email, password: 'guess guess guess 1' });
      expect(guess.status).toBe(401);
    });
  });

  describe('password reset by mail', () => {
    it('mails a single-use link; using it sets the password and ends every session', async () => {
      const { identity, accessToken } = remember(await register(http));
      await http
        .post('/api/v1/auth/forgot-password')
        .send({ email: identity.email.toUpperCase() })
        .expect(202);
      const mail = await stack.smtp.waitFor(
        (m) => m.to.includes(identity.email) && /reset/i.test(m.subject),
        10_000,
      );
      const link = /http:\/\/docent\.test\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(
        mail.text,
      );
      expect(link).not.toBeNull();
      const token = link![1];
      secrets.push(token);
      expect(mail.html).toContain(token);

      const weak = await http
        .post('/api/v1/auth/reset-password')
        .send({ token, newPassword: 'password' });
      expect(weak.status).toBe(400);
      expect(weak.body.code).toBe('password_too_short');

      const next = 'lantern meadow copper tide';
      remember({}, next);
      await http.post('/api/v1/auth/reset-password').send({ token, newPassword: next }).expect(204);
      expect((await http.get('/api/v1/auth/me').set(bearer(accessToken))).status).toBe(401);
      expect(
        (
          await http
            .post('/api/v1/auth/login')
            .send({ email: identity.email, password: identity.password })
        ).status,
      ).toBe(401);
      remember(await login(http, identity.email, next));

      const again = await http
        .post('/api/v1/auth/reset-password')
        .send({ token, newPassword: 'another fine passphrase' });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('invalid_reset_token');
      const user = (await audit({ action: 'auth.password_reset_completed' })).find(
        (e) => e.targetId === (jwt.decode(accessToken) as { sub: string }).sub,
      );
      expect(user).toBeDefined();
      expect(
        (await audit({ action: 'auth.password_reset_requested', targetId: user!.targetId })).length,
      ).toBe(1);
    });

    it('answers 202 for an unknown address and sends nothing', async () => {
      const before = stack.smtp.messages.length;
      const res = await http
        .post('/api/v1/auth/forgot-password')
        .send({ email: 'nobody-here@docent.test' });
      expect(res.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(
        stack.smtp.messages.slice(before).some((m) => m.to.includes('nobody-here@docent.test')),
      ).toBe(false);
      const events = await audit({ action: 'auth.password_reset_requested', outcome: 'denied' });
      expect(events.some((e) => e.metadata.email === 'nobody-here@docent.test')).toBe(true);
    });

    it('refuses a forged token', async () => {
      const res = await http
        .post('/api/v1/auth/reset-password')
        .send({ token: 'A'.repeat(43), newPassword: 'whatever long enough phrase' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_reset_token');
    });
  });

  describe('default deny', () => {
    it.each([
      ['get', '/api/v1/auth/me'],
      ['get', '/api/v1/auth/sessions'],
      ['delete', '/api/v1/auth/sessions/01936f00-0000-7000-8000-000000000001'],
      ['post', '/api/v1/auth/logout-all'],
      ['post', '/api/v1/auth/logout'],
      ['post', '/api/v1/auth/change-password'],
    ] as const)('%s %s needs a token', async (method, path) => {
      const res = await http[method](path);
      expect(res.status).toBe(401);
    });
  });

  // keep last: it reads every log line the suite produced
  it('never writes a password or token to the logs', () => {
    const logs = stack.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    expect(secrets.length).toBeGreaterThan(40);
    const leaked = secrets.filter((secret) => logs.includes(secret));
    expect(leaked).toEqual([]);
  });
});
