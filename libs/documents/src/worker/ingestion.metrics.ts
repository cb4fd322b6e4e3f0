import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@docent/health';

/** How one ingestion attempt ended (a skipped run, not owning the document, is not observed). */
export type IngestionJobOutcome = 'completed' | 'failed' | 'retry';

/**
 * The worker's ingestion metrics (SPEC §9), registered on the app's registry (`/metrics`):
 * - `ingestion_job_duration_seconds{outcome}`: one observation per attempt; `retry` is a
 *   transient failure bull will try again, `failed` a final one (the document is marked failed);
 * - `ingestion_failures_total{code}`: documents marked failed, by their stable error code.
 */
@Injectable()
export class IngestionMetrics {
  private readonly duration: Histogram<'outcome'>;
  private readonly failures: Counter<'code'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.duration = new Histogram({
      name: 'ingestion_job_duration_seconds',
      help: 'Duration of ingestion attempts by outcome (completed, failed, retry)',
      labelNames: ['outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'ingestion_failures_total',
      help: 'Documents whose ingestion failed, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    });
  }

  /** Starts a timer; call the returned function once with the outcome. */
  startTimer(): (outcome: IngestionJobOutcome) => void {
    const end = this.duration.startTimer();
    return (outcome) => {
      end({ outcome });
    };
  }

  failed(code: string): void {
    this.failures.inc({ code });
  }
}
