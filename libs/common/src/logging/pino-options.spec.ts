import pino from 'pino';
import { Writable } from 'node:stream';
import { runInRequest } from '../request-context';
import { buildPinoHttpOptions, isQuietPath } from './pino-options';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, stream };
}

describe('pino options', () => {
  it('redacts secrets in headers, bodies and nested payloads', () => {
    const options = buildPinoHttpOptions({ level: 'info', pretty: false, app: 'api' });
    const { lines, stream } = capture();
    const logger = pino({ level: 'info', redact: options.redact, base: options.base }, stream);
    logger.info(
      {
        req: {
          headers: {
            authorization: 'Bearer eyJhbGciOi.secret',
            cookie: 'refresh=abc',
            accept: 'json',
          },
        },
        body: { email: 'a@b.co', password: 'hunter2-hunter2', refreshToken: 'rt-secret' },
        job: { data: { token: 'reset-token-value' } },
      },
      'hello',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of [
      'eyJhbGciOi',
      'refresh=abc',
      'hunter2',
      'rt-secret',
      'reset-token-value',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('a@b.co');
    expect(line).toContain('"accept":"json"');
    expect(lines[0]).toMatchObject({ app: 'api', msg: 'hello' });
  });

  it('keeps health and metrics probes out of the request log', () => {
    expect(isQuietPath('/health/ready')).toBe(true);
    expect(isQuietPath('/health/live')).toBe(true);
    expect(isQuietPath('/metrics?x=1')).toBe(true);
    expect(isQuietPath('/api/v1/documents')).toBe(false);
    expect(isQuietPath('/api/v1/health/live')).toBe(false);
  });

  it('puts the request id on every line logged during a request, and only then', () => {
    const options = buildPinoHttpOptions({ level: 'info', pretty: false, app: 'api' });
    const { lines, stream } = capture();
    const logger = pino({ level: 'info', mixin: options.mixin, base: options.base }, stream);
    logger.info('outside');
    runInRequest({ requestId: 'req-1', ip: null, userAgent: null, actorId: null }, () => {
      logger.info('inside');
    });
    expect(lines[0]).not.toHaveProperty('requestId');
    expect(lines[1]).toMatchObject({ requestId: 'req-1', msg: 'inside' });
  });

  it('logs request URLs without query values that are not allow-listed', () => {
    const options = buildPinoHttpOptions({ level: 'info', pretty: false, app: 'api' });
    const serialize = (options.serializers as { req: (req: object) => { url: string } }).req;
    const serialized = serialize({
      id: 'r1',
      method: 'GET',
      url: '/api/v1/auth/me?access_token=eyJhbGciOi.secret&limit=5#frag=also-secret',
      remoteAddress: '127.0.0.1',
    });
    expect(serialized.url).toBe('/api/v1/auth/me?access_token=[redacted]&limit=5&frag=[redacted]');
    expect(JSON.stringify(serialized)).not.toMatch(/eyJhbGciOi|also-secret/);
  });
});
