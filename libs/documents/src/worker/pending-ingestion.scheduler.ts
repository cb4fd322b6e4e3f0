import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { INGESTION_FAILED_CODE, INGESTION_FAILED_MESSAGE } from '../documents.errors';
import { IngestionEventPublisher } from '../events/ingestion-event.publisher';
import { IngestionProducer } from '../ingestion.producer';

/** How often documents whose job was never queued (Redis down at upload) are queued again. */
export const PENDING_INGESTION_INTERVAL_MS = 30_000;
/** Younger documents are left alone: their upload request may still be enqueueing them. */
export const PENDING_INGESTION_MIN_AGE_MS = 10_000;
/**
 * A document whose job is gone (or finished) while it is still `queued`/`processing` is only
 * recovered once it has not changed for this long: every pipeline step touches `updated_at`,
 * and a job finishing legitimately leaves the document final first.
 */
export const LOST_INGESTION_GRACE_MS = 2 * 60_000;

/** What one pass did. */
export interface PendingIngestionPass {
  /** Documents that were never queued, queued now. */
  pending: number;
  /** Documents whose job was lost mid-flight, queued again as a new run. */
  requeued: number;
  /** Documents whose job was lost with no attempt left, marked failed. */
  exhausted: number;
}

const NOTHING: PendingIngestionPass = Object.freeze({ pending: 0, requeued: 0, exhausted: 0 });

/**
 * The maintenance loop that keeps "no upload is lost between the database and the queue": once
 * at start-up and every 30 s it queues what is still waiting (`enqueuePending`, exactly once per
 * run thanks to the job id), then recovers documents whose job was lost mid-flight
 * (`requeueLost`; bull's own stalled check covers jobs still active under a dead worker).
 * Runs never overlap; the timer does not keep the process alive and stops on shutdown.
 */
@Injectable()
export class PendingIngestionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PendingIngestion');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PendingIngestionPass> | undefined;
  private stopped = false;

  constructor(
    private readonly producer: IngestionProducer,
    private readonly events: IngestionEventPublisher,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), PENDING_INGESTION_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass; a pass still running is joined instead of starting another. */
  tick(): Promise<PendingIngestionPass> {
    if (this.stopped) return Promise.resolve(NOTHING);
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<PendingIngestionPass> {
    const outcome = { ...NOTHING };
    try {
      outcome.pending = await this.producer.enqueuePending(PENDING_INGESTION_MIN_AGE_MS);
      if (outcome.pending > 0) this.logger.log(`queued ${outcome.pending} pending document(s)`);
    } catch (error) {
      // Redis or the database is down: the next pass tries again
      this.logger.warn(`could not queue pending documents: ${String(error)}`);
      return outcome;
    }
    try {
      const lost = await this.producer.requeueLost(LOST_INGESTION_GRACE_MS);
      outcome.requeued = lost.requeued.length;
      outcome.exhausted = lost.exhausted.length;
      if (outcome.requeued > 0) {
        this.logger.warn(`queued ${outcome.requeued} document(s) again whose job was lost`);
      }
      for (const document of lost.exhausted) {
        this.logger.warn(`document=${document.documentId} failed: its job was lost too often`);
        await this.events.failed(document, {
          code: INGESTION_FAILED_CODE,
          message: INGESTION_FAILED_MESSAGE,
        });
      }
    } catch (error) {
      this.logger.warn(`could not recover lost ingestion jobs: ${String(error)}`);
    }
    return outcome;
  }
}
