import { EntityManager } from '@mikro-orm/postgresql';
import { User } from '@docent/auth';
import { RawHttp, type RawResponse } from './support/raw-http';
import { type SignedUp, signUp, type Stack, startStack } from './support/stack';

const BODY_LIMIT = 64 * 1024;

/** Every answer, whoever produced it (router, parser, guard, handler): problem details. */
function expectProblem(res: RawResponse, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const requestId = res.headers['x-request-id'];
  expect(typeof requestId).toBe('string');
  expect(res.body).toMatchObject({ status, requestId, type: expect.any(String) });
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  if (code) expect(res.body?.code).toBe(code);
}

describe('HTTP contract: body parsing, router errors, request ids, logs', () => {
  let stack: Stack;
  let raw: RawHttp;
  let member: SignedUp;

  beforeAll(async () => {
    stack = await startStack({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    stack.api.flushLogs();
    member = await signUp(stack);
    raw = await RawHttp.listen(stack.api);
  });

  afterAll(async () => {
    raw?.close();
    await stack?.close();
  });

  const json = { 'content-type': 'application/json' };
  const auth = () => ({ authorization: `Bearer ${member.token}` });
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = json) =>
    raw.send({ method: 'POST', path, body, headers: { ...headers, ...auth() } });

  const JSON_ENDPOINTS = [
    '/api/v1/auth/login',
    '/api/v1/auth/register',
    '/api/v1/auth/forgot-password',
    '/api/v1/chat/sessions',
    '/api/v1/notifications/read-all',
  ];

  it('answers a body nested 5,000 levels deep with 400 on every JSON endpoint', async () => {
    for (const path of JSON_ENDPOINTS) {
      for (const deep of [
        `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
      ]) {
        expectProblem(await post(path, deep), 400, 'json_too_deep');
      }
    }
  });

  it('refuses prototype-poisoning keys, bodies that are not UTF-8 JSON objects, and bodies over the limit', async () => {
    const path = '/api/v1/chat/sessions';
    expectProblem(await post(path, '{"title":"x","__proto__":{"a":1}}'), 400, 'forbidden_json_key');
    expectProblem(
      await post(path, '{"title":"x","constructor":{"prototype":{"a":1}}}'),
      400,
      'forbidden_json_key',
    );
    expectProblem(await post(path, '{"title":'), 400, 'malformed_json');
    expectProblem(await post(path, 'null'), 400, 'malformed_json');
    expectProblem(await post(path, '[{"title":"x"}]'), 400, 'malformed_json');
    expectProblem(
      await post(
        path,
        Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      ),
      400,
      'malformed_json',
    );
    expectProblem(
      await post(path, `{"title":"${'x'.repeat(BODY_LIMIT)}"}`),
      413,
      'payload_too_large',
    );
    const sessions = await raw.send({ method: 'GET', path, headers: auth() });
    expect(sessions.body?.items).toEqual([]);
  });

  it('accepts JSON bodies only as application/json (415 otherwise), and multipart only for uploads', async () => {
    const register = '/api/v1/auth/register';
    const email = `form-${Date.now()}@docent.test`;
    const fields = `email=${encodeURIComponent(email)}&password=plaid+kettle+orbit+lamp&displayName=Form`;
    expectProblem(
      await post(register, fields, { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
    for (const type of [
      'text/plain',
      'application/xml',
      'application/problem+json',
      'application/json-seq',
    ]) {
      expectProblem(
        await post(
          register,
          JSON.stringify({ email, password: 'plaid kettle orbit lamp', displayName: 'T' }),
          {
            'content-type': type,
          },
        ),
        415,
        'unsupported_media_type',
      );
    }
    // a body without any content type
    expectProblem(
      await post(register, JSON.stringify({ email }), {}),
      415,
      'unsupported_media_type',
    );
    const multipart = `--b\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email}\r\n--b--\r\n`;
    expectProblem(
      await post(register, multipart, { 'content-type': 'multipart/form-data; boundary=b' }),
      415,
      'unsupported_media_type',
    );
    expectProblem(
      await post(
        '/api/v1/chat/sessions',
        '--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--b--\r\n',
        {
          'content-type': 'multipart/form-data; boundary=b',
        },
      ),
      415,
      'unsupported_media_type',
    );
    // the upload is the one multipart endpoint; JSON is refused there
    expectProblem(await post('/api/v1/documents', '{"files":[]}'), 415, 'multipart_required');
    // nothing was created by any of them
    const em = stack.api.get(EntityManager).fork();
    expect(await em.count(User, { email })).toBe(0);
    // application/json with parameters is still JSON
    const ok = await post('/api/v1/chat/sessions', '{"title":"fine"}', {
      'content-type': 'Application/JSON; charset=utf-8',
    });
    expect(ok.status).toBe(201);
  });

  it('answers the router’s own errors with problem details and a request id', async () => {
    const long = await raw.send({
      method: 'POST',
      path: `/api/v1/documents/${'a'.repeat(1500)}/reingest`,
      headers: auth(),
    });
    expectProblem(long, 414, 'uri_too_long');
    // a GET may instead reach the web client's catch-all route (when dist/web is built): 404
    const longGet = await raw.send({
      method: 'GET',
      path: `/api/v1/documents/${'a'.repeat(1500)}`,
      headers: auth(),
    });
    expectProblem(longGet, longGet.status === 404 ? 404 : 414);
    const sent = await raw.send({
      method: 'PATCH',
      path: `/api/v1/chat/sessions/${'b'.repeat(1500)}`,
      headers: { 'x-request-id': 'caller-chosen-1' },
    });
    expectProblem(sent, 414, 'uri_too_long');
    expect(sent.headers['x-request-id']).toBe('caller-chosen-1');
    expectProblem(
      await raw.send({ method: 'GET', path: '/api/v1/documents/%E0%A4%A' }),
      400,
      'bad_url',
    );
    expectProblem(await raw.send({ method: 'GET', path: '/api/v1/documents/%' }), 400, 'bad_url');
    expectProblem(await raw.send({ method: 'GET', path: '/api/v1/nowhere' }), 404, 'not_found');
    expectProblem(await raw.send({ method: 'PUT', path: '/api/v1/auth/login' }), 404, 'not_found');
    const huge = await raw.send({
      method: 'GET',
      path: '/health/live',
      headers: { 'x-padding': 'p'.repeat(20_000) },
    });
    expectProblem(huge, 431, 'headers_too_large');
    // a long parameter a route accepts (bull job ids go up to 256 characters) is routed
    const job = await raw.send({
      method: 'GET',
      path: `/api/v1/admin/queues/mail/jobs/${'j'.repeat(256)}/retry`,
      headers: auth(),
    });
    expectProblem(job, 404, 'not_found');
    const retry = await raw.send({
      method: 'POST',
      path: `/api/v1/admin/queues/mail/jobs/${'j'.repeat(256)}/retry`,
      headers: auth(),
    });
    expectProblem(retry, 403);
  });

  it('keeps queries and fragments out of problem details and query values out of logs', async () => {
    const secret = 'S3cr3t-Reset-Token-Value';
    const paths = [
      `/api/v1/nowhere?token=${secret}`,
      `/api/v1/auth/me?access_token=${secret}&limit=7`,
      `/reset-password?token=${secret}`,
      `/api/v1/nowhere#access_token=${secret}`,
      `/api/v1/documents/%E0%A4%A?token=${secret}`,
      `/api/v1/documents/${'a'.repeat(400)}?token=${secret}`,
    ];
    for (const method of ['GET', 'POST', 'PROPFIND', 'SEARCH', 'LOCK']) {
      for (const path of paths) {
        const res = await raw.send({ method, path, headers: auth() });
        expect(res.text).not.toContain(secret);
        if (res.body?.instance !== undefined) expect(String(res.body.instance)).not.toMatch(/[?#]/);
      }
    }
    const logged = stack.logs.join('');
    expect(logged).toContain('/api/v1/auth/me?access_token=[redacted]&limit=7');
    expect(logged).toContain('/api/v1/nowhere?token=[redacted]');
    expect(logged).toContain('"code":"uri_too_long"');
    expect(logged).not.toContain(secret);
  });
});
