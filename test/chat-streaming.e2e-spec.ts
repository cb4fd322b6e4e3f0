import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';
import { waitFor } from './support/http';

const SESSIONS = '/api/v1/chat/sessions';

/**
 * A small OpenAI-protocol server (the only fake: the paid API). `slow` streams a token every
 * 50 ms and never finishes; `fail` answers 500.
 */
class FakeLlm {
  mode: 'slow' | 'fail' = 'slow';
  requests = 0;
  closedEarly = 0;
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.requests += 1;
      req.resume();
      if (this.mode === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      const timer = setInterval(() => {
        n += 1;
        res.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: `w${n} ` } }] })}\n\n`,
        );
      }, 50);
      res.on('close', () => {
        clearInterval(timer);
        if (!res.writableFinished) this.closedEarly += 1;
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('chat streaming: disconnects and errors (openai generator against a fake server)', () => {
  const llm = new FakeLlm();
  let stack: Stack;

  beforeAll(async () => {
    const baseUrl = await llm.start();
    stack = await startStack({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: baseUrl,
      LLM_MODEL: 'fake-model',
      LLM_MAX_RETRIES: '0',
      LLM_TIMEOUT: '20s',
      RATE_LIMIT_CHAT: '1000/1m',
    });
    await stack.api.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await stack?.close();
    await llm.close();
  });

  async function newSession(caller: SignedUp): Promise<string> {
    const res = await stack.http.post(SESSIONS).set(bearer(caller.token)).send({}).expect(201);
    return res.body.id as string;
  }

  /** Opens an SSE request and destroys it as soon as the first `token` event arrives. */
  function askThenDisconnect(caller: SignedUp, sessionId: string): Promise<string> {
    const { port } = stack.api.getHttpServer().address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `${SESSIONS}/${sessionId}/messages`,
          headers: {
            ...bearer(caller.token),
            Accept: 'text/event-stream',
            'Content-Type': 'application/json',
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes('event: token')) {
              req.destroy();
              resolve(text);
            }
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', (error) => {
        if (!req.destroyed) reject(error);
      });
      req.end(JSON.stringify({ content: 'Tell me everything, slowly.' }));
    });
  }

  it('a client that disconnects stops generation upstream, and nothing is stored', async () => {
    llm.mode = 'slow';
    const owner = await signUp(stack, { prefix: 'chatstream' });
    const sessionId = await newSession(owner);
    const closedBefore = llm.closedEarly;

    const seen = await askThenDisconnect(owner, sessionId);
    expect(seen).toContain('event: token');
    // the generator's request to the LLM is aborted, not left running
    await waitFor(async () => llm.closedEarly > closedBefore, 5000, 50);

    const messages = await stack.http
      .get(`${SESSIONS}/${sessionId}/messages`)
      .set(bearer(owner.token))
      .expect(200);
    expect(messages.body).toEqual({ items: [], nextCursor: null });
    const session = await stack.http
      .get(`${SESSIONS}/${sessionId}`)
      .set(bearer(owner.token))
      .expect(200);
    expect(session.body.messageCount).toBe(0);
    await waitFor(
      async () =>
        /chat_answer_duration_seconds_count\{[^}]*generator="openai",outcome="aborted"[^}]*\} [1-9]/.test(
          (await stack.http.get('/metrics')).text,
        ),
      5000,
      100,
    );
  });

  it('an upstream failure becomes an `error` event (SSE) or problem details (JSON); nothing stored', async () => {
    llm.mode = 'fail';
    const owner = await signUp(stack, { prefix: 'chatstream' });
    const sessionId = await newSession(owner);

    const streamed = await stack.http
      .post(`${SESSIONS}/${sessionId}/messages`)
      .set(bearer(owner.token))
      .set('Accept', 'text/event-stream')
      .send({ content: 'Will this fail?' })
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      });
    expect(streamed.status).toBe(200);
    const blocks = (streamed.body as string).split('\n\n').filter((b) => b.startsWith('event: '));
    expect(blocks).toHaveLength(1);
    expect(blocks[0].startsWith('event: error\n')).toBe(true);
    const problem = JSON.parse(blocks[0].split('\ndata: ')[1]) as Record<string, unknown>;
    expect(problem).toMatchObject({
      status: 503,
      code: 'llm_unavailable',
      requestId: expect.any(String),
      instance: `${SESSIONS}/${sessionId}/messages`,
    });

    const json = await stack.http
      .post(`${SESSIONS}/${sessionId}/messages`)
      .set(bearer(owner.token))
      .send({ content: 'Will this fail?' })
      .expect(503);
    expect(json.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(json.body.code).toBe('llm_unavailable');

    const messages = await stack.http
      .get(`${SESSIONS}/${sessionId}/messages`)
      .set(bearer(owner.token))
      .expect(200);
    expect(messages.body.items).toEqual([]);
  });
});
