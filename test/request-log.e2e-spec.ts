import { bearer, signUp, type Stack, startStack } from './support/stack';

interface Line {
  level: number;
  msg: string;
  requestId?: string;
  req?: { id: string; method: string; url: string; remoteAddress?: string };
  res?: { statusCode: number };
  responseTime?: number;
}

/** The request log: one line per answered request, from a Fastify hook (issue 14). */
describe('request log', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  const linesOf = (requestId: string): Line[] =>
    stack.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes(requestId))
      .map((line) => JSON.parse(line) as Line)
      .filter((line) => line.req !== undefined);

  it('writes one line per request: id, method, URL without secret query values, status, time', async () => {
    const user = await signUp(stack);
    const res = await stack.http
      .get('/api/v1/auth/me?access_token=eyJ-secret-value&limit=5')
      .set(bearer(user.token))
      .expect(200);
    const requestId = res.headers['x-request-id'] as string;
    const lines = linesOf(requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      requestId,
      req: { id: requestId, method: 'GET', url: '/api/v1/auth/me?access_token=[redacted]&limit=5' },
      res: { statusCode: 200 },
    });
    expect(lines[0].responseTime).toEqual(expect.any(Number));
    expect(JSON.stringify(stack.logs)).not.toContain('eyJ-secret-value');
    expect(JSON.stringify(stack.logs)).not.toContain(user.token);
  });

  it('logs refusals as warnings and server errors as errors, with the status sent', async () => {
    const res = await stack.http.get('/api/v1/auth/me').expect(401);
    const [line] = linesOf(res.headers['x-request-id'] as string);
    expect(line).toMatchObject({ level: 40, msg: 'request completed', res: { statusCode: 401 } });
  });

  it('leaves probes out', async () => {
    const live = await stack.http.get('/health/live').expect(200);
    expect(linesOf(live.headers['x-request-id'] as string)).toEqual([]);
  });
});
