import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ANSWER_GENERATOR,
  type AnswerGenerator,
  type GenerationEvent,
  type GenerationRequest,
  type RetrievedChunk,
} from '@docent/chat';
import { AppError } from '@docent/common';
import type { LlmSettings } from '@docent/config';
import { ChunkRetriever, DocumentsHttpModule } from '@docent/documents';
import { StorageModule } from '@docent/storage';
import {
  ExtractiveGenerator,
  GenerationModule,
  NO_ANSWER,
  OpenAiGenerator,
  SYSTEM_PROMPT,
} from '../libs/chat/src/generation';
import { callerContext, ingestCorpus } from './fixtures/retrieval/retrieval-fixtures';
import { signUp, type Stack, startStack } from './support/stack';

async function run(generator: AnswerGenerator, request: GenerationRequest) {
  const events: GenerationEvent[] = [];
  for await (const event of generator.generate(request)) events.push(event);
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error('the generator did not finish with done');
  expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
  const tokens = events.flatMap((e) => (e.type === 'token' ? [e.text] : []));
  return { ...last, tokens };
}

describe('answer generators', () => {
  // the openai block first: its configured-app test reads the logs of the first app in the file
  describe('openai, against an OpenAI-protocol server started here', () => {
    let server: Server;
    let base: string;
    interface ChatBody {
      model: string;
      stream: boolean;
      messages: { role: string; content: string }[];
    }
    const requests: { path: string; headers: IncomingMessage['headers']; body: ChatBody }[] = [];
    let closedEarly = 0;
    const flaky = new Map<string, number>();

    const sse = (res: ServerResponse, pieces: unknown[]) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of pieces) res.write(`data: ${JSON.stringify(piece)}\n\n`);
      res.end('data: [DONE]\n\n');
    };
    const delta = (content: string) => ({ choices: [{ index: 0, delta: { content } }] });

    beforeAll(async () => {
      server = createServer((req, res) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        req.on('end', () => {
          const path = req.url ?? '';
          requests.push({ path, headers: req.headers, body: JSON.parse(raw) as ChatBody });
          const scenario = path.split('/')[1];
          res.on('close', () => {
            if (!res.writableFinished) closedEarly += 1;
          });
          switch (scenario) {
            case 'ok':
              return sse(res, [
                { choices: [{ index: 0, delta: { role: 'assistant' } }] },
                delta('Readability counts'),
                delta(' ['),
                delta('2]. Imported air is walked on [1'),
                delta('].'),
                { choices: [], usage: { prompt_tokens: 50, completion_tokens: 11 } },
              ]);
            case 'unsure':
              return sse(res, [delta(NO_ANSWER)]);
            case 'flaky': {
              const seen = (flaky.get(path) ?? 0) + 1;
              flaky.set(path, seen);
              if (seen === 1) {
                res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
                return res.end('{"error":{"message":"slow down"}}');
              }
              return sse(res, [delta('Fine [1].')]);
            }
            case 'down':
              res.writeHead(500, { 'content-type': 'application/json' });
              return res.end('{"error":{"message":"boom"}}');
            case 'bad':
              res.writeHead(400, { 'content-type': 'application/json' });
              return res.end('{"error":{"message":"bad model"}}');
            case 'hang':
              return; // never answers
            case 'slow':
              // one token, then silence: the client aborts mid-stream
              res.writeHead(200, { 'content-type': 'text/event-stream' });
              res.write(`data: ${JSON.stringify(delta('Partial'))}\n\n`);
              return;
            case 'cut':
              res.writeHead(200, { 'content-type': 'text/event-stream' });
              res.write(`data: ${JSON.stringify(delta('Half an answer'))}\n\n`);
              setTimeout(() => res.destroy(), 20);
              return;
            default:
              res.writeHead(404).end();
          }
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      server.close();
    });

    const settings = (scenario: string, overrides: Partial<LlmSettings> = {}): LlmSettings => ({
      provider: 'openai',
      baseUrl: `${base}/${scenario}/v1`,
      apiKey: 'sk-test-secret-key',
      model: 'test-model',
      timeoutMs: 5000,
      maxRetries: 2,
      ...overrides,
    });
    const generator = (scenario: string, overrides: Partial<LlmSettings> = {}) =>
      new OpenAiGenerator(settings(scenario, overrides), { baseDelayMs: 10 });

    const chunk = (n: number, filename: string, content: string, page: number | null) =>
      ({
        chunkId: `chunk-${n}`,
        documentId: `doc-${n}`,
        filename,
        page,
        content,
        score: 3 - n,
      }) satisfies RetrievedChunk;
    const chunks = [
      chunk(1, 'single-paragraph.docx', 'Walking on imported air', null),
      chunk(2, 'google-doc-document.pdf', 'Readability counts.', 1),
    ];
    const request = (signal = new AbortController().signal): GenerationRequest => ({
      question: 'What counts?',
      chunks,
      terms: [{ lexeme: 'count', idf: 1 }],
      history: [
        { role: 'user', content: 'earlier question' },
        { role: 'assistant', content: 'earlier answer [1]' },
      ],
      signal,
    });
    const failure = async (promise: Promise<unknown>): Promise<AppError> => {
      const error = await promise.then(
        () => {
          throw new Error('expected a failure');
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    };

    it('streams the answer, sends model, stream, context and history, and cites the markers used', async () => {
      const answer = await run(generator('ok'), request());
      expect(answer.tokens).toEqual([
        'Readability counts',
        ' [',
        '2]. Imported air is walked on [1',
        '].',
      ]);
      // markers renumbered in order of appearance so [n] is the n-th citation
      expect(answer.content).toBe('Readability counts [1]. Imported air is walked on [2].');
      expect(answer.citations.map((c) => [c.chunkId, c.filename, c.page])).toEqual([
        ['chunk-2', 'google-doc-document.pdf', 1],
        ['chunk-1', 'single-paragraph.docx', null],
      ]);
      expect(answer.citations[0]).toMatchObject({
        documentId: 'doc-2',
        snippet: 'Readability counts.',
      });
      expect(answer.answerTokens).toBe(11);

      const sent = requests.filter((r) => r.path.startsWith('/ok/'));
      expect(sent).toHaveLength(1);
      expect(sent[0].path).toBe('/ok/v1/chat/completions');
      expect(sent[0].headers.authorization).toBe('Bearer sk-test-secret-key');
      expect(sent[0].headers['content-type']).toContain('application/json');
      const body = sent[0].body;
      expect(body).toMatchObject({ model: 'test-model', stream: true });
      expect(body.messages[0]).toEqual({ role: 'system', content: SYSTEM_PROMPT });
      expect(SYSTEM_PROMPT).toMatch(/\[1\]/);
      expect(SYSTEM_PROMPT).toMatch(/never invent/i);
      expect(body.messages.slice(1, 3)).toEqual([
        { role: 'user', content: 'earlier question' },
        { role: 'assistant', content: 'earlier answer [1]' },
      ]);
      const last = body.messages[body.messages.length - 1];
      expect(last.role).toBe('user');
      expect(last.content).toContain('[1] (single-paragraph.docx)\nWalking on imported air');
      expect(last.content).toContain('[2] (google-doc-document.pdf, page 1)\nReadability counts.');
      expect(last.content).toContain('Question: What counts?');
    });

    it('cites nothing when the answer has no markers', async () => {
      const answer = await run(generator('unsure'), request());
      expect(answer.content).toBe(NO_ANSWER);
      expect(answer.citations).toEqual([]);
      expect(answer.answerTokens).toBeGreaterThan(0);
    });

    it('retries a 429 (Retry-After respected) and then succeeds', async () => {
      const answer = await run(generator('flaky'), request());
      expect(answer.content).toBe('Fine [1].');
      expect(answer.citations.map((c) => c.chunkId)).toEqual(['chunk-1']);
      expect(requests.filter((r) => r.path.startsWith('/flaky/'))).toHaveLength(2);
    });

    it('maps a persistent 5xx to llm_unavailable (503) after maxRetries retries', async () => {
      const error = await failure(run(generator('down'), request()));
      expect(error).toMatchObject({ code: 'llm_unavailable', status: 503 });
      expect(requests.filter((r) => r.path.startsWith('/down/'))).toHaveLength(3);
    });

    it('does not retry a 4xx other than 429 and maps it to llm_error', async () => {
      const error = await failure(run(generator('bad'), request()));
      expect(error.code).toBe('llm_error');
      expect(error.status).toBeGreaterThanOrEqual(500);
      expect(requests.filter((r) => r.path.startsWith('/bad/'))).toHaveLength(1);
    });

    it('gives up with llm_timeout when the endpoint hangs', async () => {
      const error = await failure(run(generator('hang', { timeoutMs: 300 }), request()));
      expect(error).toMatchObject({ code: 'llm_timeout', status: 503 });
    });

    it('maps a stream cut after the first token to llm_unavailable without retrying', async () => {
      const tokens: string[] = [];
      const error = await failure(
        (async () => {
          for await (const event of generator('cut').generate(request())) {
            if (event.type === 'token') tokens.push(event.text);
          }
        })(),
      );
      expect(tokens).toEqual(['Half an answer']);
      expect(error.code).toBe('llm_unavailable');
      expect(requests.filter((r) => r.path.startsWith('/cut/'))).toHaveLength(1);
    });

    it("cancels the upstream request when the caller's signal aborts", async () => {
      const controller = new AbortController();
      const before = closedEarly;
      const error = await failure(
        (async () => {
          for await (const event of generator('slow').generate(request(controller.signal))) {
            if (event.type === 'token') controller.abort();
          }
        })(),
      );
      expect(error.code).toBe('generation_aborted');
      const deadline = Date.now() + 2000;
      while (closedEarly === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(closedEarly).toBeGreaterThan(before);
    });

    it('is the configured generator when LLM_PROVIDER=openai, and never logs the API key', async () => {
      const stack = await startStack(
        {
          LLM_PROVIDER: 'openai',
          LLM_BASE_URL: `${base}/flaky/configured/v1`,
          LLM_MODEL: 'test-model',
          LLM_API_KEY: 'sk-never-log-me',
        },
        { imports: [GenerationModule] },
      );
      const logSpies = (['log', 'warn', 'error', 'debug', 'verbose'] as const).map((level) =>
        jest.spyOn(Logger.prototype, level),
      );
      try {
        const configured = stack.api.get<AnswerGenerator>(ANSWER_GENERATOR, { strict: false });
        expect(configured).toBeInstanceOf(OpenAiGenerator);
        const answer = await run(configured, request());
        expect(answer.content).toBe('Fine [1].');
        const sent = requests.filter((r) => r.path.startsWith('/flaky/configured/'));
        expect(sent).toHaveLength(2);
        expect(sent[1].headers.authorization).toBe('Bearer sk-never-log-me');
        const logged = JSON.stringify(logSpies.flatMap((spy) => spy.mock.calls));
        expect(logged).toMatch(/retry 1\/2/);
        expect(logged).not.toContain('sk-never-log-me');
        expect(stack.logs.join('')).not.toContain('sk-never-log-me');
      } finally {
        logSpies.forEach((spy) => spy.mockRestore());
        await stack.close();
      }
    });
  });

  describe('extractive, over the ingested shared corpus (real PostgreSQL stemming)', () => {
    let stack: Stack;
    let ask: (question: string) => ReturnType<typeof run>;

    beforeAll(async () => {
      stack = await startStack(
        {},
        { worker: true, imports: [StorageModule, DocumentsHttpModule, GenerationModule] },
      );
      const owner = await signUp(stack, { prefix: 'generators' });
      const ids = await ingestCorpus(stack, owner);
      const { user, ability } = await callerContext(stack, owner);
      const generator = stack.api.get<AnswerGenerator>(ANSWER_GENERATOR, { strict: false });
      expect(generator).toBeInstanceOf(ExtractiveGenerator);
      ask = async (question) => {
        const { chunks, terms } = await stack.api.get(ChunkRetriever).retrieveWithTerms({
          caller: user,
          ability,
          question,
          documentIds: [...ids.values()],
          limit: stack.config.chat.retrievalLimit,
        });
        return run(generator, {
          question,
          chunks,
          terms,
          history: [],
          signal: new AbortController().signal,
        });
      };
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
    });

    it('"Readability counts?" quotes the Zen of Python and cites google-doc-document.pdf', async () => {
      const answer = await ask('Readability counts?');
      expect(answer.tokens.length).toBeGreaterThan(1);
      expect(answer.tokens.join('')).toBe(answer.content);
      expect(answer.content).toMatch(/Readability counts\.? \[1\]/);
      expect(answer.citations[0]).toMatchObject({
        filename: 'google-doc-document.pdf',
        page: 1,
        snippet: expect.stringContaining('Readability counts'),
      });
      expect(answer.citations[0].score).toBeGreaterThan(0);
    });

    it('a question about imported air cites single-paragraph.docx', async () => {
      const answer = await ask('What does the document say about imported air?');
      expect(answer.citations.map((c) => c.filename)).toEqual(['single-paragraph.docx']);
      expect(answer.content).toBe('Walking on imported air [1]');
    });

    it('every marker [n] matches the n-th citation', async () => {
      const answer = await ask('Is explicit better than implicit, and does readability count?');
      expect(answer.citations.length).toBeGreaterThanOrEqual(1);
      answer.citations.forEach((c, i) =>
        expect(answer.content).toContain(`${c.snippet} [${i + 1}]`),
      );
      expect(answer.citations[0].filename).toBe('google-doc-document.pdf');
    });

    it.each([
      'What is the boiling point of mercury on Mars?',
      'Who won the football world cup in 1998?',
      'How do I reset my router password?',
    ])('"%s" answers that the documents do not say, with no citations', async (question) => {
      const answer = await ask(question);
      expect(answer.content).toBe(NO_ANSWER);
      expect(answer.citations).toEqual([]);
    });
  });
});
