import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { IngestionProducer } from '../ingestion.producer';

/** How often documents whose job was never queued (Redis down at upload) are queued again. */
export const PENDING_INGESTION_INTERVAL_MS = 30_000;
/** Younger documents are left alone: their upload request may still be enqueueing them. */
export const PENDING_INGESTION_MIN_AGE_MS = 10_000;

/**
 * The maintenance loop that keeps "no upload is lost between the database and the queue": once
 * at start-up and every 30 s, `enqueuePending` queues what is still waiting (exactly once per run,
 * thanks to the job id). Runs never overlap; the timer does not keep the process alive and
 * stops on shutdown.
 */
@Injectable()
export class PendingIngestionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PendingIngestion');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly producer: IngestionProducer) {}

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
  tick(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.producer
      .enqueuePending(PENDING_INGESTION_MIN_AGE_MS)
      .then((count) => {
        if (count > 0) this.logger.log(`queued ${count} pending document(s)`);
        return count;
      })
      .catch((error: unknown) => {
        // Redis or the database is down: the next pass tries again
        this.logger.warn(`could not queue pending documents: ${String(error)}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
