import { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainEventBus, type DomainEvents } from '@docent/common';
import type { AppSettings, NotificationSettings } from '@docent/config';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import { NotificationPreferencesService } from '../notification-preferences.service';
import { NotificationsService } from '../notifications.service';
import { RealtimeEmitter } from '../realtime/realtime.emitter';

type Outcome = DomainEvents['ingestion.completed'];
type BatchSettled = DomainEvents['ingestion.batch_settled'];

/** The Redis key that records "the summary of this batch is (being) mailed". */
export const batchSummaryClaimKey = (batchId: string): string =>
  `notifications:mail-claim:batch-summary:${batchId}`;
export const batchSummaryEventId = (batchId: string): string => `batch-summary:${batchId}`;

/** Pauses between attempts at storing a completion/failure notification (about 15 s in all). */
export const NOTIFY_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  500, 1000, 2000, 4000, 8000,
]);

function parseRuns(value: string): string[] {
  try {
    const runs: unknown = JSON.parse(value);
    return Array.isArray(runs) ? runs.filter((run): run is string => typeof run === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The worker's side of delivery, subscribed to the ingestion events the documents library
 * emits on the `DomainEventBus` (everything it needs travels in them: it reads no documents):
 *
 * - `ingestion.progress` → the owner's sockets (`ingestion.progress`, through the Redis emitter);
 * - `ingestion.completed` / `ingestion.failed` → a stored notification (failed carries the error
 *   code and message), pushed with the new unread count;
 * - `ingestion.batch_settled` → ONE summary mail per upload batch. Several documents can finish
 *   at the same moment (concurrent jobs, several workers), and each may see the batch settled: a
 *   Redis `SET NX` claim on the batch decides which one queues the mail (the mail queue's job-id
 *   dedup alone does not: delivered mail jobs are removed, after which the same job id is
 *   accepted again). The mail's event id is `batch-summary:<batchId>`; the claim records the runs
 *   the summary covered.
 * - a failure of a run the summary did not cover (a later run of the document after the summary
 *   went out: a reingest) is outside any batch: it is mailed at once (`ingestion-failed`, event
 *   id `ingestion-failed:<runId>`). A later completion is not mailed.
 *
 * Preferences: the summary goes out when the owner's e-mail is on for `ingestion.completed`, or
 * when the batch has a failure and the e-mail is on for `ingestion.failed`.
 */
@Injectable()
export class IngestionNotificationsSubscriber implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('IngestionNotifications');
  private readonly publicAppUrl: string;
  private readonly claimTtlMs: number;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly bus: DomainEventBus,
    private readonly notifications: NotificationsService,
    private readonly preferences: NotificationPreferencesService,
    private readonly realtime: RealtimeEmitter,
    /** For the notifications table only (`storedSince`). */
    private readonly em: EntityManager,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService,
  ) {
    this.publicAppUrl = config
      .getOrThrow<AppSettings>('app')
      .publicAppUrl.replace(/(?<!\/)\/+$/, '');
    // as long as notifications are kept, and at least a day
    this.claimTtlMs = Math.max(
      config.getOrThrow<NotificationSettings>('notifications').retentionMs,
      86_400_000,
    );
  }

  onModuleInit(): void {
    this.unsubscribe.push(
      this.bus.on('ingestion.progress', (event) => this.progress(event)),
      this.bus.on('ingestion.completed', (event) => this.completed(event)),
      this.bus.on('ingestion.failed', (event) => this.failed(event)),
      this.bus.on('ingestion.batch_settled', (event) => this.batchSettled(event)),
    );
  }

  /**
   * Unsubscribes only once the app has drained: Nest runs onModuleDestroy before the api stops
   * serving in-flight requests and before the worker's active jobs finish (QueueDrain), and
   * events those emit must still be delivered (found by the chaos suite's rolling restart).
   */
  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  progress(event: DomainEvents['ingestion.progress']): void {
    this.realtime.toUser(event.ownerId, 'ingestion.progress', {
      documentId: event.documentId,
      status: event.status,
      stage: event.stage,
      progress: event.progress,
    });
  }

  async completed(event: Outcome): Promise<void> {
    await this.inApp(event, 'ingestion.completed', () =>
      this.notifications.notify(event.ownerId, 'ingestion.completed', {
        title: `“${event.filename}” is ready`,
        body: 'The document was processed: you can search it and ask questions about it.',
        data: { documentId: event.documentId, batchId: event.batchId, filename: event.filename },
      }),
    );
  }

  async failed(event: DomainEvents['ingestion.failed']): Promise<void> {
    await this.inApp(event, 'ingestion.failed', () =>
      this.notifications.notify(event.ownerId, 'ingestion.failed', {
        title: `“${event.filename}” could not be processed`,
        body: `${event.error.message} (${event.error.code})`,
        data: {
          documentId: event.documentId,
          batchId: event.batchId,
          filename: event.filename,
          error: { code: event.error.code, message: event.error.message },
        },
      }),
    );
    await this.mailFailureOutsideBatch(event);
  }

  /**
   * The per-file notification, written after the document's commit: a PostgreSQL or Redis blip
   * at that moment (a restart, a cut) would lose it for good, so a failed attempt is retried with
   * backoff (NOTIFY_RETRY_DELAYS_MS), unless the failed attempt was stored after all (a lost
   * COMMIT answer, or a failure after the insert): one notification, never two. Its final
   * failure is logged and must not cost the batch its summary mail. Found by the chaos suite.
   */
  private async inApp(
    event: Outcome,
    type: 'ingestion.completed' | 'ingestion.failed',
    store: () => Promise<unknown>,
  ): Promise<void> {
    const since = new Date(Date.now() - 1000);
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (attempt > 0 && (await this.storedSince(event, type, since))) return;
        await store();
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined) {
          this.logger.error(
            `could not notify document=${event.documentId} to user=${event.ownerId}: ${String(error)}`,
          );
          return;
        }
        this.logger.warn(
          `notify document=${event.documentId} failed (${String(error)}); retrying in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Overridable by tests. */
  retryDelaysMs: readonly number[] = NOTIFY_RETRY_DELAYS_MS;

  private async storedSince(event: Outcome, type: string, since: Date): Promise<boolean> {
    const rows = await this.em.fork().execute<{ id: string }[]>(
      `select id from notifications
          where user_id = ? and type = ? and data->>'documentId' = ? and created_at >= ?
          limit 1`,
      [event.ownerId, type, event.documentId, since],
    );
    return rows.length > 0;
  }

  /**
   * A failure of a run the batch summary did not cover: the summary went out before this run
   * started (a reingest), so this failure is mailed on its own. Before the summary, the failure
   * is left to it (`ingestion.batch_settled` follows once the batch has settled).
   */
  private async mailFailureOutsideBatch(event: DomainEvents['ingestion.failed']): Promise<void> {
    const summarised = await this.redis.get(batchSummaryClaimKey(event.batchId));
    if (summarised === null || parseRuns(summarised).includes(event.runId)) return;
    const prefs = await this.preferences.forType(event.ownerId, 'ingestion.failed');
    if (!prefs.email) return;
    await this.notifications.mailUser(event.ownerId, {
      template: 'ingestion-failed',
      eventId: `ingestion-failed:${event.runId}`,
      context: {
        filename: event.filename,
        errorCode: event.error.code,
        errorMessage: event.error.message,
        documentUrl: `${this.publicAppUrl}/documents/${event.documentId}`,
      },
    });
  }

  /**
   * The batch summary, once per batch: the claim's value lists the runs it covered, so a failure
   * that was in it is never mailed again on its own, however the handlers interleave.
   */
  async batchSettled(event: BatchSettled): Promise<void> {
    const claimKey = batchSummaryClaimKey(event.batchId);
    const runs = event.documents.map((document) => document.runId);
    const claimed = await this.redis.set(
      claimKey,
      JSON.stringify(runs),
      'PX',
      this.claimTtlMs,
      'NX',
    );
    if (claimed !== 'OK') return; // summed up already, by another finisher or an earlier run
    try {
      await this.mailSummary(event);
    } catch (failure) {
      // give the claim back, so a later finisher (or a retried event) can still send it
      await this.redis.del(claimKey).catch(() => undefined);
      throw failure;
    }
  }

  private async mailSummary(event: BatchSettled): Promise<void> {
    const completed = event.documents.filter((document) => document.status === 'completed');
    const failed = event.documents.filter((document) => document.status === 'failed');
    const prefs = await this.preferences.get(event.ownerId);
    const wanted =
      prefs['ingestion.completed'].email || (failed.length > 0 && prefs['ingestion.failed'].email);
    if (!wanted) return;
    await this.notifications.mailUser(event.ownerId, {
      template: 'ingestion-batch-summary',
      eventId: batchSummaryEventId(event.batchId),
      context: {
        total: event.documents.length,
        completedCount: completed.length,
        failedCount: failed.length,
        completed: completed.map((document) => ({ filename: document.filename })),
        failed: failed.map((document) => ({
          filename: document.filename,
          code: document.error?.code ?? 'unknown',
          message: document.error?.message ?? 'The document could not be processed.',
        })),
        documentsUrl: `${this.publicAppUrl}/documents`,
      },
    });
    this.logger.log(
      `batch=${event.batchId} summary mailed: ${completed.length} completed, ${failed.length} failed`,
    );
  }
}
