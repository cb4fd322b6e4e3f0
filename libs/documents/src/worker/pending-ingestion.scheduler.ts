import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { JOBS, MaintenanceTasks } from '@docent/queue';
import { INGESTION_FAILED_CODE, INGESTION_FAILED_MESSAGE } from '../documents.errors';
import { IngestionEventPublisher } from '../events/ingestion-event.publisher';
import { IngestionProducer } from '../ingestion.producer';

/** How often documents whose job was never queued (Redis down at upload) are queued again. */
export const PENDING_INGESTION_INTERVAL_MS = 30_000;
/** The repeatable job's id: one schedule, however many workers start. */
const PENDING_INGESTION_JOB_ID = 'documents.queue-pending';
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
 * The maintenance task that keeps "no upload is lost between the database and the queue": once
 * at worker start and every 30 s (a repeatable `documents.queue-pending` job, scheduled by
 * MaintenanceTasks) it queues what is still waiting (`enqueuePending`, exactly once per run
 * thanks to the job id), then recovers documents whose job was lost mid-flight (`requeueLost`;
 * bull's own stalled check covers jobs still active under a dead worker).
 * Runs in one process never overlap; after shutdown began no new pass starts.
 */
@Injectable()
export class PendingIngestionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PendingIngestion');
  private running: Promise<PendingIngestionPass> | undefined;
  private stopped = false;

  constructor(
    private readonly producer: IngestionProducer,
    private readonly events: IngestionEventPublisher,
    tasks: MaintenanceTasks,
  ) {
    tasks.register(JOBS.maintenance.documentsQueuePending, () => this.tick(), {
      jobId: PENDING_INGESTION_JOB_ID,
      everyMs: PENDING_INGESTION_INTERVAL_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    // the first pass at once, not after the first interval: documents left by a previous run
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
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
