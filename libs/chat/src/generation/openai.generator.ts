import { Logger } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AppError } from '@docent/common';
import type { LlmSettings } from '@docent/config';
import type {
  AnswerGenerator,
  ChatTurn,
  Citation,
  GenerationEvent,
  GenerationRequest,
  RetrievedChunk,
} from '../chat.contracts';
import { abortedError, citedMarkers, estimateTokens, NO_ANSWER } from './answer-text';
import { parseSse } from './sse-parser';

/** Turns of history sent with a question (the most recent ones). */
export const HISTORY_TURNS = 6;
/** Characters of one retrieved passage sent as context. */
const MAX_PASSAGE_CHARS = 4000;
/** Characters of a passage kept as a citation snippet. */
const SNIPPET_CHARS = 300;
/** Longest wait between retries, whatever Retry-After asks. */
const MAX_RETRY_DELAY_MS = 30_000;

const tracer = trace.getTracer('docent.llm');

export const SYSTEM_PROMPT = [
  'You answer questions using only the numbered context passages provided with each question.',
  'Every statement you make must be supported by a passage: cite it with its number in square brackets, e.g. [1] or [2][3], right after the statement.',
  'Never invent facts, numbers, names or sources, and never cite a passage that does not support the statement.',
  `If the passages do not contain the answer, or you are unsure, reply exactly: "${NO_ANSWER}" and cite nothing.`,
  'Answer concisely, in the language of the question.',
].join('\n');

export interface OpenAiOptions {
  /** Injected for tests; the global fetch by default. */
  fetch?: typeof fetch;
  /** First backoff delay (doubled each retry, with jitter). */
  baseDelayMs?: number;
}

interface CompletionChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { completion_tokens?: number } | null;
  error?: { message?: string; type?: string; code?: string | number };
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `openai`: any OpenAI-compatible chat-completions endpoint (`LLM_BASE_URL`, `LLM_API_KEY`,
 * `LLM_MODEL`), streamed. The retrieved chunks go in as numbered passages and the answer must cite
 * them as [n]; the citations are the passages whose markers appear in the answer (renumbered 1, 2,
 * … in order of first appearance). 429, 5xx and network errors are retried with exponential
 * backoff (Retry-After respected) until the first token; `LLM_TIMEOUT` bounds each request from
 * connect to last token; the caller's AbortSignal cancels the request. Failures surface as
 * AppErrors: `llm_unavailable` / `llm_timeout` / `llm_error` (503). The API key is never logged.
 */
export class OpenAiGenerator implements AnswerGenerator {
  readonly name = 'openai' as const;
  private readonly logger = new Logger(OpenAiGenerator.name);
  private readonly fetch: typeof fetch;
  private readonly baseDelayMs: number;
  private readonly url: string;

  constructor(
    private readonly settings: LlmSettings,
    options: OpenAiOptions = {},
  ) {
    if (!settings.baseUrl || !settings.model) {
      throw new Error('LLM_BASE_URL and LLM_MODEL are required for the openai generator');
    }
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.url = new URL(
      'chat/completions',
      settings.baseUrl.endsWith('/') ? settings.baseUrl : `${settings.baseUrl}/`,
    ).toString();
  }

  /** The chat messages sent for a request (exported for tests and inspection). */
  buildMessages(request: Pick<GenerationRequest, 'question' | 'chunks' | 'history'>) {
    const passages = request.chunks.map((chunk, i) => {
      const where = chunk.page === null ? chunk.filename : `${chunk.filename}, page ${chunk.page}`;
      return `[${i + 1}] (${where})\n${chunk.content.slice(0, MAX_PASSAGE_CHARS)}`;
    });
    const context =
      passages.length > 0 ? passages.join('\n\n') : '(no passages were found for this question)';
    const history: ChatTurn[] = request.history.slice(-HISTORY_TURNS);
    return [
      { role: 'system' as const, content: SYSTEM_PROMPT },
      ...history.map((turn) => ({ role: turn.role, content: turn.content })),
      {
        role: 'user' as const,
        content: `Context passages:\n\n${context}\n\nQuestion: ${request.question}`,
      },
    ];
  }

  async *generate(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    const { signal } = request;
    if (signal.aborted) throw abortedError(signal);
    const body = JSON.stringify({
      model: this.settings.model,
      messages: this.buildMessages(request),
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
    });

    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error('LLM request timed out')),
      this.settings.timeoutMs,
    );
    const combined = AbortSignal.any([signal, deadline.signal]);
    const fail = (error: unknown): AppError => {
      if (error instanceof AppError) return error;
      if (signal.aborted) return abortedError(signal);
      if (deadline.signal.aborted) {
        return new AppError(
          'unavailable',
          'llm_timeout',
          'The language model did not answer in time.',
          {
            cause: error,
          },
        );
      }
      return new AppError('unavailable', 'llm_unavailable', 'The language model is unavailable.', {
        cause: error,
      });
    };

    let text = '';
    let usageTokens: number | undefined;
    try {
      const response = await this.connect(body, combined, signal, deadline.signal);
      if (!response.body) throw new RetryableError('empty response body');
      for await (const data of parseSse(response.body)) {
        if (data.trim() === '[DONE]') break;
        let chunk: CompletionChunk;
        try {
          chunk = JSON.parse(data) as CompletionChunk;
        } catch (error) {
          throw new AppError(
            'unavailable',
            'llm_error',
            'The language model sent a malformed response.',
            {
              cause: error,
            },
          );
        }
        if (chunk.error) {
          throw new AppError('unavailable', 'llm_error', 'The language model reported an error.', {
            extensions: { upstreamCode: chunk.error.code ?? chunk.error.type ?? null },
          });
        }
        if (typeof chunk.usage?.completion_tokens === 'number') {
          usageTokens = chunk.usage.completion_tokens;
        }
        const piece = chunk.choices?.[0]?.delta?.content;
        if (typeof piece === 'string' && piece.length > 0) {
          text += piece;
          yield { type: 'token', text: piece };
        }
      }
      if (signal.aborted) throw abortedError(signal);
    } catch (error) {
      throw fail(error);
    } finally {
      clearTimeout(timer);
    }

    const { content, citations } = cite(text.trim(), request.chunks);
    yield {
      type: 'done',
      content: content || NO_ANSWER,
      citations,
      answerTokens: usageTokens ?? estimateTokens(content),
    };
  }

  /**
   * One POST to the completions endpoint in a client span (`chat <model>`, until the answer's
   * headers: the stream that follows belongs to the caller's span). Neither the prompt nor the
   * key goes into the span.
   */
  private async post(
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    attempt: number,
  ): Promise<Response> {
    const url = new URL(this.url);
    return tracer.startActiveSpan(
      `chat ${this.settings.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': this.settings.model,
          'http.request.method': 'POST',
          'server.address': url.hostname,
          'url.path': url.pathname,
          'docent.llm.attempt': attempt + 1,
        },
      },
      async (span) => {
        try {
          const response = await this.fetch(this.url, {
            method: 'POST',
            headers,
            body,
            signal,
          });
          span.setAttribute('http.response.status_code', response.status);
          if (!response.ok) span.setStatus({ code: SpanStatusCode.ERROR });
          return response;
        } catch (error) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.name : 'error',
          });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /** POSTs the request, retrying 429/5xx/network errors with backoff; resolves on a 2xx. */
  private async connect(
    body: string,
    combined: AbortSignal,
    caller: AbortSignal,
    deadline: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
    };
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    for (let attempt = 0; ; attempt += 1) {
      let retryable: RetryableError;
      try {
        const response = await this.post(body, headers, combined, attempt);
        if (response.ok) return response;
        const detail = await response.text().catch(() => '');
        if (response.status === 429 || response.status >= 500) {
          retryable = new RetryableError(
            `upstream answered ${response.status}`,
            retryAfterMs(response.headers.get('retry-after')),
          );
        } else {
          throw new AppError(
            'unavailable',
            'llm_error',
            'The language model rejected the request.',
            {
              extensions: { upstreamStatus: response.status },
              cause: new Error(detail.slice(0, 500)),
            },
          );
        }
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (caller.aborted || deadline.aborted) throw error;
        retryable =
          error instanceof RetryableError
            ? error
            : new RetryableError('network error', undefined, { cause: error });
      }
      if (attempt >= this.settings.maxRetries) {
        throw new AppError('unavailable', 'llm_unavailable', 'The language model is unavailable.', {
          retryAfterSeconds:
            retryable.retryAfterMs === undefined
              ? undefined
              : Math.max(1, Math.ceil(retryable.retryAfterMs / 1000)),
          cause: retryable,
        });
      }
      const backoff = this.baseDelayMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
      const delay = Math.min(retryable.retryAfterMs ?? backoff, MAX_RETRY_DELAY_MS);
      this.logger.warn(
        `LLM request failed (${retryable.message}); retry ${attempt + 1}/${this.settings.maxRetries} in ${Math.round(delay)} ms`,
      );
      await sleep(delay, combined);
    }
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent/invalid. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The citations of an answer: the passages whose markers appear in it, renumbered 1, 2, … in
 * order of first appearance (markers outside the passages are dropped). No markers, no citations.
 */
export function cite(
  text: string,
  chunks: readonly RetrievedChunk[],
): { content: string; citations: Citation[] } {
  const order = citedMarkers(text).filter((n) => n >= 1 && n <= chunks.length);
  const renumber = new Map(order.map((n, i) => [n, i + 1]));
  const content = text.replace(
    /(?<!\s)(\s*)\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g,
    (_match, space: string, list: string) => {
      const kept = list
        .split(',')
        .map((part) => renumber.get(Number(part.trim())))
        .filter((n): n is number => n !== undefined);
      return kept.length === 0 ? '' : space + kept.map((n) => `[${n}]`).join('');
    },
  );
  const citations = order.map((n) => {
    const chunk = chunks[n - 1];
    const snippet = chunk.content.replace(/\s+/g, ' ').trim();
    return {
      documentId: chunk.documentId,
      filename: chunk.filename,
      page: chunk.page,
      chunkId: chunk.chunkId,
      snippet: snippet.length > SNIPPET_CHARS ? `${snippet.slice(0, SNIPPET_CHARS)}…` : snippet,
      score: chunk.score,
    };
  });
  return { content, citations };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
