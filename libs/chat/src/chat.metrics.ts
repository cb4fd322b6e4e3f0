import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { AppError } from '@docent/common';
import { METRICS_REGISTRY } from '@docent/health';

/** How one answer ended: stored, failed (generator or storage error), or the client went away. */
export type AnswerOutcome = 'completed' | 'failed' | 'aborted';

/** What an answer's end tells besides its outcome. */
export interface AnswerDetails {
  /** Tokens of the answer (the model's count, or an estimate). */
  tokens?: number;
  /** Why it failed: counted by its stable error code (`llm_unavailable`, `llm_timeout`, …). */
  error?: unknown;
}

/** Finishes one answer's measurement; only the first call counts. */
export type FinishAnswer = (outcome: AnswerOutcome, details?: AnswerDetails) => void;

/** The metric of `name` already on the registry (several services share one), or a new one. */
function shared<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * The chat metrics on the app's registry (`/metrics`), by generator (`extractive`, `openai`: the
 * language model's requests, tokens and errors):
 * - `chat_answer_duration_seconds{generator,outcome}` (SPEC §9 "chat answer latency"): from the
 *   question's arrival (before retrieval) to the stored answer;
 * - `chat_answer_tokens_total{generator}`: tokens of the stored answers;
 * - `chat_answer_failures_total{generator,code}`: failed answers by error code (`llm_unavailable`,
 *   `llm_timeout`, `llm_error`, `dependency_unavailable`, …; `internal` for anything else).
 */
@Injectable()
export class ChatMetrics {
  private readonly duration: Histogram<'generator' | 'outcome'>;
  private readonly tokens: Counter<'generator'>;
  private readonly failures: Counter<'generator' | 'code'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.duration = shared(
      registry,
      'chat_answer_duration_seconds',
      () =>
        new Histogram({
          name: 'chat_answer_duration_seconds',
          help: 'Time to answer a chat question (retrieval, generation, storage) by generator and outcome',
          labelNames: ['generator', 'outcome'] as const,
          buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
          registers: [registry],
        }),
    );
    this.tokens = shared(
      registry,
      'chat_answer_tokens_total',
      () =>
        new Counter({
          name: 'chat_answer_tokens_total',
          help: 'Tokens of stored chat answers, by generator',
          labelNames: ['generator'] as const,
          registers: [registry],
        }),
    );
    this.failures = shared(
      registry,
      'chat_answer_failures_total',
      () =>
        new Counter({
          name: 'chat_answer_failures_total',
          help: 'Chat answers that failed, by generator and error code',
          labelNames: ['generator', 'code'] as const,
          registers: [registry],
        }),
    );
  }

  /** Starts a timer; call the returned function once with the outcome. */
  startTimer(generator: string): FinishAnswer {
    const end = this.duration.startTimer({ generator });
    this.tokens.inc({ generator }, 0);
    let ended = false;
    return (outcome, details = {}) => {
      if (ended) return;
      ended = true;
      end({ outcome });
      if (outcome === 'completed' && details.tokens !== undefined && details.tokens > 0) {
        this.tokens.inc({ generator }, details.tokens);
      }
      if (outcome === 'failed') {
        const code = details.error instanceof AppError ? details.error.code : 'internal';
        this.failures.inc({ generator, code });
      }
    };
  }
}
