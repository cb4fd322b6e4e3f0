import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/bootstrap';
import { testConfig } from './support/config';

/**
 * Reviewed list of the routes anyone may call without a token. Adding a route here is a
 * security decision: everything else must answer 401 to an anonymous caller.
 */
const PUBLIC_ROUTES = [
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
  // Swagger UI's static assets (the UI page and the JSON are registered before the hook)
  'GET /docs/*',
  'POST /api/v1/auth/register',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/forgot-password',
  'POST /api/v1/auth/reset-password',
];

describe('default deny', () => {
  let app: NestFastifyApplication;
  const routes: { method: string; url: string }[] = [];

  beforeAll(async () => {
    app = await createApiApp({ config: testConfig() });
    // collect the routes as Nest registers them (Swagger UI's routes are added before this hook)
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
          if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url: route.url });
        }
      });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('finds the routes, including every public one', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    expect(names.length).toBeGreaterThan(PUBLIC_ROUTES.length);
    expect(names).toEqual(expect.arrayContaining(PUBLIC_ROUTES));
  });

  it('answers 401 problem details to an anonymous caller on every non-public route', async () => {
    const http = request(app.getHttpServer());
    const open: string[] = [];
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      if (PUBLIC_ROUTES.includes(name)) continue;
      const url = route.url.replace(/:[A-Za-z]+/g, '01936f00-0000-7000-8000-0000000000ff');
      const res = await http[
        route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'
      ](url).send({});
      if (
        res.status !== 401 ||
        !String(res.headers['content-type']).startsWith('application/problem+json')
      ) {
        open.push(`${name} → ${res.status}`);
      }
    }
    expect(open).toEqual([]);
  });
});
