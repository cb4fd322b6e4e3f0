import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@docent/health';

/** How one ingestion attempt ended (a skipped run, not owning the document, is not observed). */
export type IngestionJobOutcome = 'completed' | 'failed' | 'retry';

/**
 * The steps of one ingestion run, timed separately: `queue` (enqueued → a worker takes the job),
 * `read` (the stored file read and decrypted), `extract` (text extraction in the worker thread),
 * `chunk`, `index` (the transaction that replaces the document's chunks), `embed` (the chunks'
 * sentence-encoder vectors, with embeddings on).
 */
export type IngestionStep = 'queue' | 'read' | 'extract' | 'chunk' | 'index' | 'embed';

/**
 * The worker's ingestion metrics (SPEC §9), registered on the app's registry (`/metrics`):
 * - `ingestion_job_duration_seconds{outcome}`: one observation per attempt; `retry` is a
 *   transient failure bull will try again, `failed` a final one (the document is marked failed);
 * - `ingestion_failures_total{code}`: documents marked failed, by their stable error code;
 * - `ingestion_step_duration_seconds{step}`: where a run's time goes (see IngestionStep), one
 *   observation per step a run went through;
 * - `ingestion_ocr_pages_total{outcome}`: PDF pages without a text layer, by what OCR made of them
 *   (`text`, `empty`, `failed`, `timeout`, `skipped`: over `OCR_MAX_PAGES`, out of `OCR_TIMEOUT`,
 *   or a page size that cannot be read);
 * - `ingestion_ocr_page_duration_seconds`: render and recognition of one page (pages read only).
 */
@Injectable()
export class IngestionMetrics {
  private readonly duration: Histogram<'outcome'>;
  private readonly failures: Counter<'code'>;
  private readonly steps: Histogram<'step'>;
  private readonly ocrPages: Counter<'outcome'>;
  private readonly ocrPageDuration: Histogram;

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
    this.steps = new Histogram({
      name: 'ingestion_step_duration_seconds',
      help: 'Duration of the steps of ingestion runs (queue, read, extract, chunk, index, embed)',
      labelNames: ['step'] as const,
      buckets: [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
      ],
      registers: [registry],
    });
    this.ocrPages = new Counter({
      name: 'ingestion_ocr_pages_total',
      help: 'PDF pages without a text layer, by OCR outcome (text, empty, failed, timeout, skipped)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.ocrPageDuration = new Histogram({
      name: 'ingestion_ocr_page_duration_seconds',
      help: 'Duration of the OCR of one PDF page (render and recognition)',
      buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120],
      registers: [registry],
    });
  }

  /** OCR of one page ended with `outcome` after `seconds` (not observed for skipped pages). */
  ocrPage(outcome: string, seconds: number): void {
    this.ocrPages.inc({ outcome });
    if (outcome !== 'skipped' && Number.isFinite(seconds) && seconds >= 0) {
      this.ocrPageDuration.observe(seconds);
    }
  }

  /** One step of a run took `seconds`. */
  step(step: IngestionStep, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.steps.observe({ step }, seconds);
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
