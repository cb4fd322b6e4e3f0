import { Inject, Injectable } from '@nestjs/common';
import { Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@docent/health';

/** How one answer ended: stored, failed (generator or storage error), or the client went away. */
export type AnswerOutcome = 'completed' | 'failed' | 'aborted';

/**
 * `chat_answer_duration_seconds{generator,outcome}` (SPEC §9 "chat answer latency"): from the
 * question's arrival (before retrieval) to the stored answer, on the app's registry (`/metrics`).
 */
@Injectable()
export class ChatMetrics {
  private readonly duration: Histogram<'generator' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const existing = registry.getSingleMetric('chat_answer_duration_seconds');
    this.duration =
      (existing as Histogram<'generator' | 'outcome'> | undefined) ??
      new Histogram({
        name: 'chat_answer_duration_seconds',
        help: 'Time to answer a chat question (retrieval, generation, storage) by generator and outcome',
        labelNames: ['generator', 'outcome'] as const,
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
        registers: [registry],
      });
  }

  /** Starts a timer; call the returned function once with the outcome. */
  startTimer(generator: string): (outcome: AnswerOutcome) => void {
    const end = this.duration.startTimer({ generator });
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      end({ outcome });
    };
  }
}
