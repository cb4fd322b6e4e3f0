import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ensureBuiltApi,
  ensureBuiltWorker,
  type ApiProcess,
  spawnBuiltApi,
  spawnBuiltWorker,
  type WorkerProcess,
} from './support/built-worker';
import { testEnv } from './support/config';
import { corpus } from './support/documents';
import { waitFor } from './support/http';
import { newIdentity } from './support/stack';
import {
  type EnvelopeServer,
  type OtlpReceiver,
  type ReceivedSpan,
  startEnvelopeServer,
  startOtlpReceiver,
} from './support/telemetry';

/**
 * Tracing end to end, as production runs it: the built api and worker (`npm run start:api`,
 * `start:worker`) export to an OTLP/HTTP receiver, and one upload is one trace from the upload
 * request through the worker's job and its stages to the socket push.
 */
describe('tracing across the api and the worker', () => {
  let receiver: OtlpReceiver;
  let tracker: EnvelopeServer;
  let llm: Server | undefined;
  let api: ApiProcess | undefined;
  let worker: WorkerProcess | undefined;

  beforeAll(() => {
    ensureBuiltApi();
    ensureBuiltWorker();
  }, 600_000);

  afterAll(async () => {
    for (const proc of [api, worker]) {
      if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          proc.exited,
          new Promise((resolve) => (timer = setTimeout(resolve, 15_000))),
        ]);
        clearTimeout(timer);
        if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      }
    }
    await receiver?.close();
    await tracker?.close();
    llm?.closeAllConnections();
    llm?.close();
  });

  it('makes one trace of an upload (request, job, extract/chunk/index, PostgreSQL, socket push) and traces LLM calls', async () => {
    receiver = await startOtlpReceiver();
    // error tracking on as well: Sentry must leave tracing to our SDK (no spans of its own, no
    // competing tracer provider) and send nothing when nothing fails
    tracker = await startEnvelopeServer();
    // an OpenAI-compatible endpoint that streams one cited sentence
    llm = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const delta = { choices: [{ index: 0, delta: { content: 'Lorem ipsum [1].' } }] };
        res.end(`data: ${JSON.stringify(delta)}\n\ndata: [DONE]\n\n`);
      });
    });
    await new Promise<void>((resolve) => llm!.listen(0, '127.0.0.1', resolve));
    const llmPort = (llm.address() as AddressInfo).port;
    const env = testEnv({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: `http://127.0.0.1:${llmPort}/v1`,
      LLM_MODEL: 'test-model',
      SENTRY_DSN: tracker.dsn,
      LOG_LEVEL: 'info',
      RATE_LIMIT_AUTH: '1000/1m',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // export batches quickly (the standard variable of the batch span processor)
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    api = await spawnBuiltApi(env);
    worker = spawnBuiltWorker(env);
    const { baseUrl } = api;

    const registered = await fetch(`${baseUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(newIdentity('tracing')),
    });
    expect(registered.status).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };

    const form = new FormData();
    form.append('files', new Blob([await corpus('minimal-document.pdf')]), 'minimal-document.pdf');
    const uploaded = await fetch(`${baseUrl}/api/v1/documents`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    expect(uploaded.status).toBe(202);
    const { accepted } = (await uploaded.json()) as { accepted: { id: string }[] };
    const documentId = accepted[0].id;

    await waitFor(async () => {
      const res = await fetch(`${baseUrl}/api/v1/documents/${documentId}`, { headers: auth });
      return ((await res.json()) as { status: string }).status === 'completed';
    }, 60_000);

    // the upload's server span, named by its route template
    const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
    let upload: ReceivedSpan | undefined;
    const named = (spans: ReceivedSpan[], name: string, service: string) =>
      spans.find((s) => s.name === name && s.service === service);
    // every span named below has arrived (or the wait gave up: the assertions then say which is
    // missing); the job's span ends last, so it comes in the last batch
    const expected = [
      'ingestion process',
      'ingestion.extract',
      'ingestion.chunk',
      'ingestion.index',
      'socket.io emit ingestion.progress',
    ];
    await waitFor(async () => {
      upload = named(receiver.spans, 'POST /api/v1/documents', 'docent-api');
      if (!upload) return false;
      const spans = inTrace(upload.traceId);
      return expected.every((name) => named(spans, name, 'docent-worker') !== undefined);
    }, 30_000).catch(() => undefined);
    expect(upload).toBeDefined();
    const trace = inTrace(upload!.traceId);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['docent-api', 'docent-worker']));
    expect(upload!.kind).toBe(2); // SERVER
    expect(upload!.attributes['http.route']).toBe('/api/v1/documents');

    // the worker's job continues the request's trace, its stages are its children
    const job = named(trace, 'ingestion process', 'docent-worker');
    expect(job).toBeDefined();
    expect(job!.kind).toBe(5); // CONSUMER
    expect(job!.attributes['docent.document.id']).toBe(documentId);
    expect(trace.some((s) => s.spanId === job!.parentSpanId)).toBe(true);
    for (const stage of ['ingestion.extract', 'ingestion.chunk', 'ingestion.index']) {
      expect(named(trace, stage, 'docent-worker')?.parentSpanId).toBe(job!.spanId);
    }

    // PostgreSQL on both sides (the upload's insert, the stages' updates), Redis, the socket push
    const pg = trace.filter(
      (s) =>
        s.attributes['db.system.name'] === 'postgresql' ||
        s.attributes['db.system'] === 'postgresql',
    );
    expect(new Set(pg.map((s) => s.service))).toEqual(new Set(['docent-api', 'docent-worker']));
    const pushes = trace.filter((s) => s.name === 'socket.io emit ingestion.progress');
    expect(pushes.length).toBeGreaterThan(0);
    expect(new Set(pushes.map((s) => s.service))).toEqual(new Set(['docent-worker']));
    // the Redis publish that carries a push is its child
    const published = pushes.filter((push) =>
      trace.some((s) => s.parentSpanId === push.spanId && /publish/i.test(s.name)),
    );
    expect(published.length).toBeGreaterThan(0);
    // probes make no traces
    expect(receiver.spans.some((s) => s.attributes['url.path'] === '/health/live')).toBe(false);
    expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);

    // log lines carry the trace: the worker's line about the completed document
    const line = worker.output
      .join('')
      .split('\n')
      .find((text) => text.includes(`document=${documentId}`) && text.includes('completed'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ trace_id: upload!.traceId });

    // a question: the api's request span holds the call to the language model
    const session = await fetch(`${baseUrl}/api/v1/chat/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(session.status).toBe(201);
    const { id: sessionId } = (await session.json()) as { id: string };
    const asked = await fetch(`${baseUrl}/api/v1/chat/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'What does the document say?' }),
    });
    expect(asked.status).toBe(201);
    let question: ReceivedSpan | undefined;
    let llmCall: ReceivedSpan | undefined;
    await waitFor(async () => {
      question = named(receiver.spans, 'POST /api/v1/chat/sessions/:id/messages', 'docent-api');
      llmCall = question && inTrace(question.traceId).find((s) => s.name === 'chat test-model');
      return llmCall !== undefined;
    }, 30_000);
    expect(llmCall!.kind).toBe(3); // CLIENT
    expect(llmCall!.attributes).toMatchObject({
      'gen_ai.request.model': 'test-model',
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
    });
    expect(question!.traceId).not.toBe(upload!.traceId);

    // nothing failed: nothing reached the error tracker (no transactions, no sessions)
    expect(tracker.raw).toEqual([]);
  }, 180_000);

  describe('when the api stops', () => {
    let stopping: ApiProcess | undefined;

    afterEach(() => {
      if (stopping && stopping.child.exitCode === null) stopping.child.kill('SIGKILL');
    });

    it('exports the spans it still holds before it exits', async () => {
      const own = await startOtlpReceiver();
      try {
        stopping = await spawnBuiltApi(
          testEnv({
            OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint,
            // no batch leaves on its own while the test runs: only the shutdown's flush sends it
            OTEL_BSP_SCHEDULE_DELAY: '600000',
          }),
        );
        const res = await fetch(`${stopping.baseUrl}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(newIdentity('flush')),
        });
        expect(res.status).toBe(201);
        expect(own.spans).toEqual([]);
        stopping.child.kill('SIGTERM');
        expect(await stopping.exited).toBe(0);
        expect(own.spans.map((span) => span.name)).toContain('POST /api/v1/auth/register');
      } finally {
        await own.close();
      }
    }, 90_000);

    it('still stops, cleanly, when the collector and the error tracker do not answer', async () => {
      // accept connections, never answer: the exports and the events hang until their bounds
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as AddressInfo).port;
      try {
        stopping = await spawnBuiltApi(
          testEnv({
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
            OTEL_BSP_SCHEDULE_DELAY: '600000',
            SENTRY_DSN: `http://publickey@127.0.0.1:${port}/1`,
          }),
        );
        const res = await fetch(`${stopping.baseUrl}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(newIdentity('silent')),
        });
        expect(res.status).toBe(201);
        stopping.child.kill('SIGTERM');
        expect(await stopping.exited).toBe(0);
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    }, 90_000);
  });
});
