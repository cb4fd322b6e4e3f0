import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type request from 'supertest';
import { ensureWebBuild } from './support/browser';
import { type Stack, startStack } from './support/stack';

const HTML = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/** The api serves the built web client at `/` without taking over the paths it owns. */
describe('the web client served by the api', () => {
  let stack: Stack;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    ensureWebBuild();
    stack = await startStack();
    http = stack.http;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('answers / and client routes (the reset link) with index.html, revalidated', async () => {
    for (const path of ['/', '/documents', '/reset-password?token=abc', '/chat/0193']) {
      const res = await http.get(path).set(HTML).expect(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.text).toContain('<div id="root"></div>');
      expect(res.headers['cache-control']).toBe('no-cache');
      // the api's security headers apply to the app too
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-request-id']).toBeDefined();
    }
  }, 30_000);

  it('serves hashed assets with a year-long immutable cache', async () => {
    const assets = readdirSync(join(__dirname, '..', 'dist', 'web', 'assets'));
    const script = assets.find((name) => name.endsWith('.js'))!;
    const res = await http.get(`/assets/${script}`).expect(200);
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  }, 30_000);

  it('leaves the api paths alone: 404 problem details, not the app', async () => {
    for (const path of [
      '/api/v1/nope',
      '/docs-nope',
      '/health/nope',
      '/metrics/x',
      '/socket.io-x',
    ]) {
      const res = await http.get(path).set(HTML);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // a missing file asked for by a script (not a navigation) is a 404 too
    const missing = await http.get('/assets/missing.js').set('Accept', '*/*');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    await http.get('/health/live').expect(200);
    await http.get('/docs-json').expect(200);
    const me = await http.get('/api/v1/auth/me').set(HTML);
    expect(me.status).toBe(401);
  }, 30_000);
});
