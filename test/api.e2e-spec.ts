import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateNested } from 'class-validator';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/bootstrap';
import { AppError, Public } from '@docent/common';
import { testConfig } from './support/config';

class OwnerDto {
  @IsString()
  @MinLength(3)
  name!: string;
}

class EchoDto {
  @IsString()
  @MinLength(2)
  title!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => OwnerDto)
  owner?: OwnerDto;
}

/** Probe routes that exercise the global pipeline the way domain controllers will. */
@Public()
@Controller('probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('conflict')
  conflict(): never {
    throw new AppError('conflict', 'probe_conflict', 'That already exists.');
  }

  @Get('limited')
  limited(): never {
    throw new AppError('rate_limited', 'probe_limited', 'Slow down.', { retryAfterSeconds: 7 });
  }

  @Get('crash')
  crash(): never {
    throw new Error('select * from users where password_hash = $1 -- internal detail');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('api HTTP pipeline (real PostgreSQL and Redis)', () => {
  let app: NestFastifyApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    app = await createApiApp({
      config: testConfig({ BODY_LIMIT_BYTES: '2048' }),
      imports: [ProbeModule],
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app?.close();
  });

  const expectProblem = (res: request.Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status,
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(typeof res.body.type).toBe('string');
    expect(typeof res.body.instance).toBe('string');
  };

  it('answers liveness without touching dependencies', async () => {
    const res = await http.get('/health/live').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('reports database, redis, queue and storage as ready, up/down only', async () => {
    const res = await http.get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    // details (latencies, queue depths, error messages) are for administrators only
    const up = { status: 'up' };
    expect(res.body.details).toEqual({ database: up, queue: up, redis: up, storage: up });
  });

  it('answers an unknown route with 404 problem details carrying the request id', async () => {
    const res = await http.get('/api/v1/does-not-exist');
    expectProblem(res, 404);
    expect(res.body.instance).toBe('/api/v1/does-not-exist');
    expect(res.body.code).toBe('not_found');
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const sane = await http.get('/health/live').set('X-Request-Id', 'client-abc.123');
    expect(sane.headers['x-request-id']).toBe('client-abc.123');
    const unsafe = await http.get('/nope').set('X-Request-Id', 'bad id\twith spaces');
    expect(unsafe.headers['x-request-id']).not.toContain('bad');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(unsafe.body.requestId).toBe(unsafe.headers['x-request-id']);
  });

  it('serves versioned routes under /api/v1 only', async () => {
    await http.post('/api/v1/probe/echo').send({ title: 'ok', count: 2 }).expect(201);
    expectProblem(await http.post('/probe/echo').send({ title: 'ok', count: 2 }), 404);
    expectProblem(await http.get('/api/health/live'), 404);
  });

  it('rejects a malformed JSON body with 400 problem details', async () => {
    const res = await http
      .post('/api/v1/probe/echo')
      .set('Content-Type', 'application/json')
      .send('{"title": "broken",');
    expectProblem(res, 400);
  });

  it('rejects an oversized body with 413 problem details', async () => {
    const res = await http.post('/api/v1/probe/echo').send({ title: 'x'.repeat(4096), count: 1 });
    expectProblem(res, 413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('lists every invalid field, nested ones by dotted path', async () => {
    const res = await http
      .post('/api/v1/probe/echo')
      .send({ title: 'x', count: 99, owner: { name: 'a' } });
    expectProblem(res, 400);
    expect(res.body.code).toBe('validation_failed');
    const fields = (res.body.errors as { field: string; message: string }[])
      .map((e) => e.field)
      .sort();
    expect(fields).toEqual(['count', 'owner.name', 'title']);
    for (const error of res.body.errors) expect(error.message).toEqual(expect.any(String));
  });

  it('refuses unknown fields instead of dropping them silently', async () => {
    const res = await http.post('/api/v1/probe/echo').send({ title: 'ok', count: 1, admin: true });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([
      { field: 'admin', message: expect.stringContaining('admin') },
    ]);
  });

  it('transforms valid input and returns it', async () => {
    const res = await http.post('/api/v1/probe/echo').send({ title: 'ok', count: 3 }).expect(201);
    expect(res.body).toEqual({ title: 'ok', count: 3 });
  });

  it('maps domain errors to their status and code, with Retry-After when given', async () => {
    const conflict = await http.get('/api/v1/probe/conflict');
    expectProblem(conflict, 409);
    expect(conflict.body).toMatchObject({ code: 'probe_conflict', detail: 'That already exists.' });
    expect(conflict.body.type).toMatch(/probe_conflict$/);
    const limited = await http.get('/api/v1/probe/limited');
    expectProblem(limited, 429);
    expect(limited.headers['retry-after']).toBe('7');
  });

  it('never leaks internals of an unexpected error', async () => {
    const res = await http.get('/api/v1/probe/crash');
    expectProblem(res, 500);
    expect(JSON.stringify(res.body)).not.toMatch(/select|password|stack|at /i);
  });

  it('sends helmet security headers, also on errors', async () => {
    for (const res of [await http.get('/health/live'), await http.get('/api/v1/missing')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toBeDefined();
    }
  });

  it('allows listed CORS origins only', async () => {
    const allowed = await http
      .options('/api/v1/probe/echo')
      .set('Origin', 'http://allowed.test')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('http://allowed.test');
    const simple = await http.get('/health/live').set('Origin', 'http://allowed.test');
    expect(simple.headers['access-control-allow-origin']).toBe('http://allowed.test');

    const denied = await http
      .options('/api/v1/probe/echo')
      .set('Origin', 'http://evil.test')
      .set('Access-Control-Request-Method', 'POST');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const deniedSimple = await http.get('/health/live').set('Origin', 'http://evil.test');
    expect(deniedSimple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('exposes Prometheus metrics with the HTTP histogram by route template and process metrics', async () => {
    await http.get('/api/v1/probe/conflict');
    const res = await http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{[^}]*method="GET",route="\/api\/v1\/probe\/conflict",status_code="409"\} [1-9]/,
    );
    expect(res.text).toMatch(/route="unmatched",status_code="404"/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain('nodejs_heap_size_used_bytes');
    expect(res.text).toMatch(/queue_jobs\{queue="ingestion",state="waiting"[^}]*\} 0/);
  });

  it('serves Swagger UI at /docs and a valid OpenAPI 3 document at /docs-json', async () => {
    const ui = await http.get('/docs').redirects(1).expect(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.text).toContain('swagger-ui');
    const json = await http.get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(json.body.info.title).toBe('Docent API');
    expect(json.body.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining(['/health/live', '/health/ready', '/metrics', '/api/v1/probe/echo']),
    );
  });
});
