import type request from 'supertest';
import { bearer, signUp, type Stack, startStack } from './support/stack';

/** Parses a binary response body into a Buffer (supertest leaves unknown types unparsed). */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/**
 * Issue 12 #7: an uploaded file is never rendered in the app's origin. The download answer makes
 * every browser save it (attachment) and, should one open it anyway, run it sandboxed with an
 * opaque origin, no scripts and no subresources.
 */
describe('GET /documents/:id/content of an uploaded page', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('is an attachment under a sandboxing CSP with nosniff, byte for byte', async () => {
    const owner = await signUp(stack, { prefix: 'dl' });
    const page = Buffer.from(
      '<!doctype html><html><head><meta http-equiv="refresh" content="0;url=https://evil.test/">' +
        '</head><body><script>localStorage.setItem("owned", "1")</script>Hello</body></html>',
    );
    const uploaded = await stack.http
      .post('/api/v1/documents')
      .set(bearer(owner.token))
      .attach('files', page, { filename: 'page.html', contentType: 'text/html' })
      .expect(202);
    const id = uploaded.body.accepted[0].id as string;

    const res = await stack.http
      .get(`/api/v1/documents/${id}/content`)
      .set(bearer(owner.token))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="page\.html"/);
    const csp = (res.headers['content-security-policy'] as string)
      .split(';')
      .map((directive) => directive.trim());
    expect(csp).toEqual(expect.arrayContaining(['sandbox', "default-src 'none'"]));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect((res.body as Buffer).equals(page)).toBe(true);
  });
});
