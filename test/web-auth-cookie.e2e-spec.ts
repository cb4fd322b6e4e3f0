import type request from 'supertest';
import { newIdentity, type Stack, startStack } from './support/stack';

const COOKIE_FLOW = { 'X-Refresh-Token-Transport': 'cookie' };

/** `name=value` of the refresh cookie a response sets, with its attributes. */
function refreshCookie(res: request.Response): { pair: string; attributes: string } | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const line = raw?.find((cookie) => cookie.startsWith('docent_refresh='));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split('; ');
  return { pair, attributes: attributes.join('; ') };
}

/**
 * The browser side of the refresh token (what apps/web uses): an httpOnly, SameSite=Strict cookie
 * scoped to /api/v1/auth, only when the request opts in with `X-Refresh-Token-Transport: cookie`.
 */
describe('refresh token cookie flow for browsers', () => {
  let stack: Stack;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    // no reuse grace: the spent cookie presented again is theft at once (faults.e2e-spec.ts
    // tests the window)
    stack = await startStack({
      PUBLIC_APP_URL: 'https://docent.example',
      JWT_REFRESH_REUSE_GRACE: '0',
    });
    http = stack.http;
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('sets the cookie (and keeps the token out of the body) only when asked', async () => {
    const identity = newIdentity('cookie');
    const json = await http.post('/api/v1/auth/register').send(identity).expect(201);
    expect(typeof json.body.refreshToken).toBe('string');
    expect(refreshCookie(json)).toBeUndefined();

    const browser = await http
      .post('/api/v1/auth/login')
      .set(COOKIE_FLOW)
      .send({ email: identity.email, password: identity.password })
      .expect(200);
    expect(browser.body.refreshToken).toBeUndefined();
    expect(typeof browser.body.accessToken).toBe('string');
    const cookie = refreshCookie(browser)!;
    expect(cookie.pair).toMatch(/^docent_refresh=[A-Za-z0-9_-]{20,}$/);
    expect(cookie.attributes).toContain('Path=/api/v1/auth');
    expect(cookie.attributes).toContain('HttpOnly');
    expect(cookie.attributes).toContain('SameSite=Strict');
    // PUBLIC_APP_URL is https here
    expect(cookie.attributes).toContain('Secure');
    expect(browser.headers['cache-control']).toBe('no-store');
  }, 60_000);

  it('refreshes from the cookie, rotating it; a spent cookie is refused and cleared', async () => {
    const identity = newIdentity('cookie');
    const first = await http
      .post('/api/v1/auth/register')
      .set(COOKIE_FLOW)
      .send(identity)
      .expect(201);
    const cookie = refreshCookie(first)!.pair;

    const renewed = await http
      .post('/api/v1/auth/refresh')
      .set(COOKIE_FLOW)
      .set('Cookie', cookie)
      .send({})
      .expect(200);
    expect(renewed.body.refreshToken).toBeUndefined();
    const next = refreshCookie(renewed)!.pair;
    expect(next).not.toBe(cookie);
    await http
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${renewed.body.accessToken}`)
      .expect(200);

    const replay = await http
      .post('/api/v1/auth/refresh')
      .set(COOKIE_FLOW)
      .set('Cookie', cookie)
      .send({});
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('refresh_token_reused');
    expect(refreshCookie(replay)?.attributes).toContain('Max-Age=0');
  }, 60_000);

  it('ignores the cookie without the custom header (CSRF): the JSON flow still needs a body token', async () => {
    const identity = newIdentity('cookie');
    const first = await http
      .post('/api/v1/auth/register')
      .set(COOKIE_FLOW)
      .send(identity)
      .expect(201);
    const cookie = refreshCookie(first)!.pair;
    const forged = await http.post('/api/v1/auth/refresh').set('Cookie', cookie).send({});
    expect(forged.status).toBe(400);
    expect(forged.body.errors).toEqual([
      { field: 'refreshToken', message: 'refreshToken must be a string' },
    ]);
    // the browser client without a cookie is told it is not signed in
    const none = await http.post('/api/v1/auth/refresh').set(COOKIE_FLOW).send({});
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('refresh_token_missing');
    // the cookie is still good for the real client
    await http
      .post('/api/v1/auth/refresh')
      .set(COOKIE_FLOW)
      .set('Cookie', cookie)
      .send({})
      .expect(200);
  }, 60_000);

  it('logout ends the session of the cookie and clears it', async () => {
    const identity = newIdentity('cookie');
    const first = await http
      .post('/api/v1/auth/register')
      .set(COOKIE_FLOW)
      .send(identity)
      .expect(201);
    const cookie = refreshCookie(first)!.pair;
    const out = await http
      .post('/api/v1/auth/logout')
      .set(COOKIE_FLOW)
      .set('Cookie', cookie)
      .set('Authorization', `Bearer ${first.body.accessToken}`)
      .send({})
      .expect(204);
    expect(refreshCookie(out)?.attributes).toContain('Max-Age=0');
    expect(
      (await http.get('/api/v1/auth/me').set('Authorization', `Bearer ${first.body.accessToken}`))
        .status,
    ).toBe(401);
    expect(
      (await http.post('/api/v1/auth/refresh').set(COOKIE_FLOW).set('Cookie', cookie).send({}))
        .status,
    ).toBe(401);
  }, 60_000);
});
