import { randomBytes } from 'node:crypto';
import { RawHttp, type RawResponse } from './support/raw-http';
import { type SignedUp, signUp, type Stack, startStack } from './support/stack';

const AUTH_LIMIT = 4;
const UPLOAD_LIMIT = 3;
const CHAT_LIMIT = 3;
const GENERAL_LIMIT = 6;

const encodeChar = (c: string, upper = true) => {
  const hex = c.charCodeAt(0).toString(16);
  return `%${upper ? hex.toUpperCase() : hex}`;
};
const encodeAll = (segment: string) => [...segment].map((c) => encodeChar(c)).join('');

/**
 * Ways to write `path`. Those the router accepts must all count against the route's one bucket;
 * the others must not reach the handler at all. Generated, so a new route gets the same
 * treatment: percent-encoding (first/last/every character, upper and lower hex), a query, a
 * fragment, and the spellings a router might normalise (case, slashes, dot segments, `;`).
 */
function spellings(path: string): { path: string; encoded: boolean }[] {
  const segments = path.split('/').slice(1);
  const last = segments.length - 1;
  const withSegment = (index: number, value: string) =>
    `/${segments.map((s, i) => (i === index ? value : s)).join('/')}`;
  const rest = (from: number) => segments.slice(from).join('/');
  return [
    {
      path: withSegment(0, encodeChar(segments[0][0], false) + segments[0].slice(1)),
      encoded: true,
    },
    { path: withSegment(0, encodeAll(segments[0])), encoded: true },
    { path: withSegment(1, segments[1][0] + encodeChar(segments[1][1])), encoded: true },
    {
      path: withSegment(last, encodeChar(segments[last][0], false) + segments[last].slice(1)),
      encoded: true,
    },
    {
      path: withSegment(last, encodeChar(segments[last][0], true) + segments[last].slice(1)),
      encoded: true,
    },
    { path: `/${segments.map(encodeAll).join('/')}`, encoded: true },
    { path: `${path}?`, encoded: false },
    { path: `${path}?limit=1&limit=2`, encoded: false },
    { path: `${path}#fragment`, encoded: false },
    // spellings the router does not accept (case-sensitive, no slash or dot-segment merging)
    { path: path.toUpperCase(), encoded: false },
    { path: `/${path}`, encoded: false },
    { path: `/${segments[0]}//${rest(1)}`, encoded: false },
    { path: `${path}/`, encoded: false },
    { path: `/${segments[0]}/${segments[1]}/../${rest(1)}`, encoded: false },
    { path: `/${segments[0]}/./${rest(1)}`, encoded: false },
    { path: `/%2561${path.slice(2)}`, encoded: false },
    { path: `/${segments[0]}%2F${rest(1)}`, encoded: false },
    { path: `${path};x=1`, encoded: false },
    { path, encoded: false },
  ];
}

const routedNowhere = (res: RawResponse) => res.status === 404 && res.body?.code === 'not_found';

describe('rate limits follow the matched route, however its path is spelled', () => {
  let stack: Stack;
  let raw: RawHttp;
  let member: SignedUp;
  let sessionId: string;

  beforeAll(async () => {
    stack = await startStack({
      RATE_LIMIT: `${GENERAL_LIMIT}/1m`,
      RATE_LIMIT_AUTH: `${AUTH_LIMIT}/1m`,
      RATE_LIMIT_UPLOAD: `${UPLOAD_LIMIT}/1m`,
      RATE_LIMIT_CHAT: `${CHAT_LIMIT}/1m`,
      LOGIN_LOCKOUT_THRESHOLD: '1000',
    });
    member = await signUp(stack);
    const session = await stack.http
      .post('/api/v1/chat/sessions')
      .set('Authorization', `Bearer ${member.token}`)
      .send({ title: 'spelling' })
      .expect(201);
    sessionId = session.body.id;
    raw = await RawHttp.listen(stack.api);
  });

  afterAll(async () => {
    raw?.close();
    await stack?.close();
  });

  const json = { 'content-type': 'application/json' };
  const bearer = () => ({ authorization: `Bearer ${member.token}` });
  const multipartNoFiles = {
    headers: { 'content-type': 'multipart/form-data; boundary=b' },
    body: '--b--\r\n',
  };

  interface LimitedRoute {
    name: string;
    method: string;
    path: () => string;
    limit: number;
    /** Requests this test file already spent in the bucket (signing up uses register). */
    spent?: number;
    request: () => { headers?: Record<string, string>; body?: string };
    /** Other spellings of the route with the same bucket (a HEAD for a GET). */
    methods?: string[];
  }

  const routes: LimitedRoute[] = [
    {
      name: 'login (auth, per IP)',
      method: 'POST',
      path: () => '/api/v1/auth/login',
      limit: AUTH_LIMIT,
      request: () => ({
        headers: json,
        body: JSON.stringify({
          email: `nobody-${randomBytes(4).toString('hex')}@docent.test`,
          password: 'not the password at all',
        }),
      }),
    },
    {
      name: 'register (auth, per IP)',
      method: 'POST',
      path: () => '/api/v1/auth/register',
      limit: AUTH_LIMIT,
      spent: 1,
      request: () => ({ headers: json, body: '{}' }),
    },
    {
      name: 'refresh (auth, per IP)',
      method: 'POST',
      path: () => '/api/v1/auth/refresh',
      limit: AUTH_LIMIT,
      request: () => ({ headers: json, body: JSON.stringify({ refreshToken: 'not-a-token' }) }),
    },
    {
      name: 'forgot-password (auth, per IP)',
      method: 'POST',
      path: () => '/api/v1/auth/forgot-password',
      limit: AUTH_LIMIT,
      request: () => ({ headers: json, body: '{}' }),
    },
    {
      name: 'reset-password (auth, per IP)',
      method: 'POST',
      path: () => '/api/v1/auth/reset-password',
      limit: AUTH_LIMIT,
      request: () => ({ headers: json, body: '{}' }),
    },
    {
      name: 'upload (per user)',
      method: 'POST',
      path: () => '/api/v1/documents',
      limit: UPLOAD_LIMIT,
      request: () => ({
        headers: { ...multipartNoFiles.headers, ...bearer() },
        body: multipartNoFiles.body,
      }),
    },
    {
      name: 'chat question (per user)',
      method: 'POST',
      path: () => `/api/v1/chat/sessions/${sessionId}/messages`,
      limit: CHAT_LIMIT,
      request: () => ({ headers: { ...json, ...bearer() }, body: '{}' }),
    },
    {
      name: 'general limit (per user)',
      method: 'GET',
      path: () => '/api/v1/documents',
      limit: GENERAL_LIMIT,
      methods: ['GET', 'HEAD'],
      request: () => ({ headers: bearer() }),
    },
  ];

  it.each(routes.map((route) => [route.name, route] as const))(
    '%s: every spelling shares one bucket',
    async (_name, route) => {
      const variants = spellings(route.path()).flatMap((variant) =>
        (route.methods ?? [route.method]).map((method) => ({ ...variant, method })),
      );
      const routed = new Set<number>();
      const notRouted = new Set<number>();
      let admitted = 0;
      const late: string[] = [];
      for (const pass of [1, 2]) {
        for (const [index, variant] of variants.entries()) {
          const res = await raw.send({
            method: variant.method,
            path: variant.path,
            ...route.request(),
          });
          expect(res.headers['x-request-id']).toBeDefined();
          // a HEAD answer has no body to tell "no such route" from the handler's own 404
          if (variant.method === 'HEAD' ? res.status === 404 : routedNowhere(res)) {
            notRouted.add(index);
            continue;
          }
          routed.add(index);
          if (res.status === 429) {
            if (variant.method !== 'HEAD') expect(res.body?.code).toBe('rate_limited');
            continue;
          }
          admitted += 1;
          if (pass === 2) late.push(`${variant.method} ${variant.path} → ${res.status}`);
        }
      }
      // no spelling is both routed and not: the router's answer depends on the path alone
      expect([...routed].filter((index) => notRouted.has(index))).toEqual([]);
      // the percent-encoded spellings reach the handler (else this test would prove nothing)
      const encoded = variants.flatMap((variant, index) => (variant.encoded ? [index] : []));
      expect(encoded.filter((index) => !routed.has(index))).toEqual([]);
      // across every spelling, exactly the limit got through, and none after it was reached
      expect(admitted).toBe(route.limit - (route.spent ?? 0));
      expect(late).toEqual([]);
    },
  );

  it('never limits health and metrics, which opt out by route', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/%68ealth/live']) {
      for (let i = 0; i < GENERAL_LIMIT + 3; i += 1) {
        const res = await raw.send({ method: 'GET', path });
        expect(res.status).toBe(200);
      }
    }
  });
});
