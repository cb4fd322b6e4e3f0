import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawHttp, type RawRequest, type RawResponse } from './support/raw-http';
import { type SignedUp, signUp, type Stack, startStack } from './support/stack';

/**
 * Guard rail: every operation of docs/openapi.json, fed malformed bodies, path parameters and
 * query strings, as a member and anonymously. Every answer must be a 4xx problem with a request
 * id (a few exploratory cases may also succeed), never a 5xx, and /health/live must keep
 * answering quickly between operations. Deterministic: the same requests every run.
 */

const BODY_LIMIT = 64 * 1024;
/** Between operations, liveness must answer within this (the api's event loop is not blocked). */
const LIVENESS_BOUND_MS = 1000;
const NONEXISTENT_ID = '01936f00-0000-7000-8000-0000000000ff';

interface Schema {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
}

interface Operation {
  method: string;
  template: string;
  pathParams: string[];
  queryParams: string[];
  /** JSON body schema, when the operation documents one. */
  jsonBody?: Schema;
  multipart: boolean;
}

interface Case extends RawRequest {
  label: string;
  /** Strict cases must be a 4xx problem; exploratory ones may also succeed (2xx/3xx). */
  strict: boolean;
}

const openapi = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8')) as {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

const resolve = (schema: Schema): Schema =>
  schema.$ref ? openapi.components.schemas[schema.$ref.split('/').pop() as string] : schema;

const operations: Operation[] = Object.entries(openapi.paths).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, operation]) => {
    const parameters = operation.parameters ?? [];
    const content = operation.requestBody?.content ?? {};
    return {
      method: method.toUpperCase(),
      template,
      pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
      queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
      jsonBody: content['application/json']
        ? resolve(content['application/json'].schema)
        : undefined,
      multipart: 'multipart/form-data' in content,
    };
  }),
);

const HAS_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = { 'content-type': 'application/json' };

/** A path with every parameter filled: the named one with `value`, the others harmless. */
function pathWith(operation: Operation, name?: string, value?: string): string {
  return operation.template.replace(/\{([A-Za-z]+)\}/g, (_match, param: string) => {
    if (param === name) return value as string;
    return param === 'name' ? 'mail' : NONEXISTENT_ID;
  });
}

const deepArrays = (depth: number) => `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const invalidUtf8 = Buffer.concat([
  Buffer.from('{"a":"'),
  Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
  Buffer.from('"}'),
]);

/** Bodies no endpoint may accept: refused while parsing, whatever the route. */
function parseLevelBodies(operation: Operation): Case[] {
  const cases: Case[] = [
    { label: 'nested 5,000 arrays', body: deepArrays(5000), headers: JSON_TYPE },
    { label: 'nested 5,000 objects', body: deepObjects(5000), headers: JSON_TYPE },
    { label: 'nested 40 arrays', body: deepArrays(40), headers: JSON_TYPE },
    { label: '__proto__ key', body: '{"__proto__":{"isAdmin":true}}', headers: JSON_TYPE },
    {
      label: 'escaped __proto__ key',
      body: '{"a":{"\\u005f_proto__":{"x":1}}}',
      headers: JSON_TYPE,
    },
    {
      label: 'constructor.prototype',
      body: '{"constructor":{"prototype":{"isAdmin":true}}}',
      headers: JSON_TYPE,
    },
    { label: 'invalid UTF-8', body: invalidUtf8, headers: JSON_TYPE },
    { label: 'truncated JSON', body: '{"a":', headers: JSON_TYPE },
    { label: 'empty JSON body', body: '', headers: JSON_TYPE },
    { label: 'JSON null', body: 'null', headers: JSON_TYPE },
    { label: 'JSON array', body: '[{"a":1}]', headers: JSON_TYPE },
    { label: 'JSON number', body: '1e999', headers: JSON_TYPE },
    { label: 'over the body limit', body: `{"a":"${'x'.repeat(BODY_LIMIT)}"}`, headers: JSON_TYPE },
    {
      label: 'form-encoded',
      body: 'a=1&b=2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
    { label: 'text/plain', body: '{"a":1}', headers: { 'content-type': 'text/plain' } },
    { label: 'no content type', body: '{"a":1}', headers: {} },
    { label: 'xml', body: '<a/>', headers: { 'content-type': 'application/xml' } },
  ].map((c) => ({ ...c, method: operation.method, path: pathWith(operation), strict: true }));
  if (!operation.multipart) {
    cases.push({
      label: 'multipart on a JSON endpoint',
      method: operation.method,
      path: pathWith(operation),
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
      strict: true,
    });
  }
  return cases;
}

/** Bodies that parse but break the documented schema: wrong types, huge strings, odd text. */
function schemaLevelBodies(operation: Operation): Case[] {
  const properties = Object.keys(operation.jsonBody?.properties ?? {});
  const fill = (value: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...Object.fromEntries(properties.map((name) => [name, value])), ...extra });
  const odd = '\u0000\u202e\ud800 é 💩 \\"; DROP TABLE users; -- ../../etc/passwd %00 ${user.id}';
  const values: [string, unknown][] = [
    ['objects', { nested: { a: [1] } }],
    ['arrays', [1, [2], { b: 3 }]],
    ['numbers', 1e30],
    ['booleans', true],
    ['nulls', null],
    ['huge strings', 'h'.repeat(Math.floor(BODY_LIMIT / Math.max(1, properties.length)) - 200)],
    ['odd unicode', odd],
  ];
  const base = { method: operation.method, path: pathWith(operation), headers: JSON_TYPE };
  return [
    ...values.map(([label, value]) => ({
      ...base,
      label: `${label} + unknown field`,
      body: fill(value, { zzUnknown: 1 }),
      strict: true,
    })),
    ...values.map(([label, value]) => ({
      ...base,
      label: `${label} in every field`,
      body: fill(value),
      strict: false,
    })),
    { ...base, label: 'unknown field only', body: '{"zzUnknown":1}', strict: true },
    {
      ...base,
      label: 'thousands of keys',
      body: fill('x', Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))),
      strict: true,
    },
  ];
}

/** Hostile multipart bodies for the upload. */
function multipartBodies(operation: Operation): Case[] {
  const base = { method: operation.method, path: pathWith(operation), strict: false };
  const part = (headers: string, content: string) => `--b\r\n${headers}\r\n\r\n${content}\r\n`;
  const type = { 'content-type': 'multipart/form-data; boundary=b' };
  return [
    {
      ...base,
      label: 'multipart without boundary',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'x',
    },
    { ...base, label: 'multipart garbage', headers: type, body: 'not multipart at all' },
    {
      ...base,
      label: 'multipart unterminated',
      headers: type,
      body: part('Content-Disposition: form-data; name="files"; filename="a.txt"', 'abc'),
    },
    {
      ...base,
      label: 'multipart path traversal filename',
      headers: type,
      body: `${part('Content-Disposition: form-data; name="files"; filename="../../etc/passwd"', 'root:x:0:0')}--b--\r\n`,
    },
    {
      ...base,
      label: 'multipart huge filename',
      headers: type,
      body: `${part(`Content-Disposition: form-data; name="files"; filename="${'n'.repeat(5000)}.txt"`, 'abc')}--b--\r\n`,
    },
    {
      ...base,
      label: 'multipart __proto__ field',
      headers: type,
      body: `${part('Content-Disposition: form-data; name="__proto__"', '{"x":1}')}--b--\r\n`,
    },
    {
      ...base,
      label: 'multipart many fields',
      headers: type,
      body: `${Array.from({ length: 200 }, (_, i) => part(`Content-Disposition: form-data; name="f${i}"`, 'v')).join('')}--b--\r\n`,
    },
  ];
}

const PATH_VALUES: [string, string][] = [
  ['1,500 characters', 'a'.repeat(1500)],
  ['300 characters', 'a'.repeat(300)],
  [
    'percent-encoded id',
    [...NONEXISTENT_ID].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
  ],
  ['upper-case id', NONEXISTENT_ID.toUpperCase()],
  ['bad percent-encoding', '%E0%A4%A'],
  ['lone percent', '%'],
  ['encoded UTF-8', '%C3%A9t%C3%A9-%F0%9F%92%A9'],
  ['raw Latin-1 byte', 'caf\u00e9'],
  ['dot-dot', '..'],
  ['encoded dot-dot', '%2e%2e'],
  ['encoded slash', 'a%2Fb'],
  ['NUL', '%00'],
  ['SQL', "'%20OR%201=1--"],
  ['encoded NUL in id', `${NONEXISTENT_ID.slice(0, 35)}%00`],
];

function pathCases(operation: Operation): Case[] {
  return operation.pathParams.flatMap((name) =>
    PATH_VALUES.map(([label, value]) => ({
      label: `path ${name}: ${label}`,
      method: operation.method,
      path: pathWith(operation, name, value),
      strict: true,
    })),
  );
}

const QUERY_VALUES: [string, (name: string) => string][] = [
  ['repeated', (n) => `${n}=1&${n}=2`],
  ['array syntax', (n) => `${n}[]=1`],
  ['object syntax', (n) => `${n}[a]=1`],
  ['huge', (n) => `${n}=${'q'.repeat(10_000)}`],
  ['word', (n) => `${n}=abc`],
  ['huge number', (n) => `${n}=1e309`],
  ['NUL', (n) => `${n}=%00`],
  ['bad percent-encoding', (n) => `${n}=%E0%A4%A`],
  ['odd unicode', (n) => `${n}=%E2%80%AE%F0%9F%92%A9%ED%A0%80`],
];

function queryCases(operation: Operation): Case[] {
  return operation.queryParams.flatMap((name) =>
    QUERY_VALUES.flatMap(([label, query]) => [
      {
        label: `query ${name}: ${label} + unknown parameter`,
        method: operation.method,
        path: `${pathWith(operation)}?${query(name)}&zzUnknown=1`,
        strict: true,
      },
      {
        label: `query ${name}: ${label}`,
        method: operation.method,
        path: `${pathWith(operation)}?${query(name)}`,
        strict: false,
      },
    ]),
  );
}

function casesFor(operation: Operation): Case[] {
  const cases = [...pathCases(operation), ...queryCases(operation)];
  if (HAS_BODY.has(operation.method)) {
    cases.push(...parseLevelBodies(operation));
    if (operation.jsonBody) cases.push(...schemaLevelBodies(operation));
    if (operation.multipart) cases.push(...multipartBodies(operation));
  }
  return cases;
}

describe('hostile requests against every documented operation', () => {
  let stack: Stack;
  let raw: RawHttp;
  let member: SignedUp;

  beforeAll(async () => {
    stack = await startStack({
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      RATE_LIMIT_UPLOAD: '100000/1m',
      RATE_LIMIT_CHAT: '100000/1m',
      RATE_LIMIT_AUTH: '100000/1m',
      RATE_LIMIT: '100000/1m',
    });
    member = await signUp(stack);
    raw = await RawHttp.listen(stack.api);
  });

  afterAll(async () => {
    raw?.close();
    await stack?.close();
  });

  it('covers every operation of docs/openapi.json', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(
      operations
        .filter((op) => casesFor(op).length === 0)
        .map((op) => `${op.method} ${op.template}`),
    ).toEqual([
      // nothing to fuzz but the path itself: no parameter, query or body
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /api/v1/auth/me',
      'GET /api/v1/auth/sessions',
      'GET /api/v1/documents/usage',
      'GET /api/v1/notifications/unread-count',
      'GET /api/v1/notifications/preferences',
      'GET /api/v1/admin/permissions',
      'GET /api/v1/admin/queues',
      'GET /api/v1/admin/stats',
      'GET /api/v1/admin/health',
    ]);
  });

  it('answers every case with a 4xx problem and a request id, never a 5xx, and stays responsive', async () => {
    const failures: string[] = [];
    let requests = 0;
    let slowestLivenessMs = 0;
    const started = Date.now();
    const check = (who: string, c: Case, res: RawResponse) => {
      requests += 1;
      const where = `${who} ${c.method} ${c.path.slice(0, 80)} [${c.label}] → ${res.status}`;
      if (res.status >= 500) {
        failures.push(`${where} ${res.text.slice(0, 200)}`);
        return;
      }
      if (res.status < 400) {
        if (c.strict) failures.push(`${where} (expected a 4xx)`);
        return;
      }
      const requestId = res.headers['x-request-id'];
      if (typeof requestId !== 'string' || requestId.length === 0)
        failures.push(`${where} without X-Request-Id`);
      if (c.method === 'HEAD') return;
      if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
        failures.push(`${where} as ${String(res.headers['content-type'])}`);
      } else if (res.body?.requestId !== requestId || res.body?.status !== res.status) {
        failures.push(`${where} with a problem that does not match the response`);
      }
    };
    for (const operation of operations) {
      for (const c of casesFor(operation)) {
        // as a member and anonymously, side by side
        await Promise.all(
          (
            [
              ['member', { authorization: `Bearer ${member.token}` }],
              ['anonymous', {}],
            ] as const
          ).map(async ([who, headers]) => {
            try {
              check(who, c, await raw.send({ ...c, headers: { ...c.headers, ...headers } }));
            } catch (error) {
              requests += 1;
              failures.push(
                `${who} ${c.method} ${c.path.slice(0, 80)} [${c.label}]: no answer (${String(error)})`,
              );
            }
          }),
        );
      }
      const probeStarted = process.hrtime.bigint();
      const live = await raw.send({ method: 'GET', path: '/health/live' });
      const probeMs = Number(process.hrtime.bigint() - probeStarted) / 1e6;
      slowestLivenessMs = Math.max(slowestLivenessMs, probeMs);
      if (live.status !== 200 || probeMs > LIVENESS_BOUND_MS) {
        failures.push(
          `/health/live after ${operation.method} ${operation.template}: ${live.status} in ${probeMs} ms`,
        );
      }
    }
    // the member's session survived the run: nothing destructive got through
    const me = await raw.send({
      method: 'GET',
      path: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${member.token}` },
    });
    if (me.status !== 200) failures.push(`the member's session did not survive: ${me.status}`);
    expect(failures).toEqual([]);
    console.log(
      `hostile requests: ${requests} answers over ${operations.length} operations in ` +
        `${Date.now() - started} ms; slowest /health/live probe ${slowestLivenessMs.toFixed(1)} ms`,
    );
  }, 120_000);
});
