import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AuditService } from '@docent/audit';
import { AppError } from '@docent/common';
import { JOBS, MaintenanceTasks } from '@docent/queue';
import { FILE_STORAGE, type FileStorage } from '@docent/storage';
import { REMOVE_FILES_SWEEP_EVERY_MS, StorageCleanupProducer } from '../storage-cleanup.producer';

/** Rows claimed per query. */
const BATCH = 100;
/** Rows one job handles at most; the rest is left to an immediate follow-up job. */
const MAX_PER_PASS = 5000;
/**
 * A claimed row is not claimed again for this long: enough for one removal, short enough that
 * the rows of a worker that died mid-pass are picked up again soon.
 */
const CLAIM_LEASE_MS = 5 * 60_000;
/** Backoff after a failed removal: 5 s, doubling, at most 15 minutes; retried until it works. */
export const REMOVE_FILE_BACKOFF_BASE_MS = 5000;
export const REMOVE_FILE_BACKOFF_MAX_MS = 15 * 60_000;
/** From this many failed attempts on, a failure is logged as an error (someone must look). */
const LOUD_AFTER_ATTEMPTS = 8;
/** The repeatable sweep's job id: one schedule, however many workers start. */
const SWEEP_JOB_ID = 'documents.remove-files';
const MAX_ERROR_LENGTH = 500;

export function removeFileBackoffMs(attempts: number): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 20);
  return Math.min(REMOVE_FILE_BACKOFF_BASE_MS * 2 ** exponent, REMOVE_FILE_BACKOFF_MAX_MS);
}

interface ClaimedRow {
  storage_key: string;
  document_id: string | null;
  owner_id: string | null;
  attempts: number;
}

/** What one drain did. */
export interface StorageCleanupPass {
  removed: number;
  failed: number;
}

function describeError(error: unknown): string {
  const text =
    error instanceof Error
      ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}`
      : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

/**
 * Drains the file-removal outbox (`storage_deletions`): claims due rows (a lease, so several
 * workers never take the same row and a crashed pass is retried), removes each file (removing
 * a missing file succeeds, so a retry after a partial pass is harmless), writes the
 * `document.file_removed` audit entry, then deletes the row. A failure keeps the row, records
 * the error and pushes the next attempt back (backoff); a delayed job is queued for the earliest
 * retry, and the repeatable sweep (every REMOVE_FILES_SWEEP_EVERY_MS, scheduled by
 * MaintenanceTasks) catches anything whose job was lost. At worker start it asks for one pass at
 * once, for rows left by a previous run.
 */
@Injectable()
export class StorageCleanupProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger('StorageCleanup');

  constructor(
    private readonly em: EntityManager,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly audit: AuditService,
    private readonly producer: StorageCleanupProducer,
    tasks: MaintenanceTasks,
  ) {
    tasks.register(JOBS.maintenance.documentsRemoveFiles, () => this.drain(), {
      jobId: SWEEP_JOB_ID,
      everyMs: REMOVE_FILES_SWEEP_EVERY_MS,
      keepFailed: 100,
    });
  }

  onApplicationBootstrap(): void {
    // Redis down: the sweep drains the rows once MaintenanceTasks could schedule it
    void this.producer.hintQuietly();
  }

  async drain(): Promise<StorageCleanupPass> {
    const pass: StorageCleanupPass = { removed: 0, failed: 0 };
    let more = false;
    for (;;) {
      const rows = await this.claim(BATCH);
      for (const row of rows) {
        if (await this.removeOne(row)) pass.removed += 1;
        else pass.failed += 1;
      }
      if (rows.length < BATCH) break;
      if (pass.removed + pass.failed >= MAX_PER_PASS) {
        more = true;
        break;
      }
    }
    if (pass.removed > 0 || pass.failed > 0) {
      this.logger.log(`removed ${pass.removed} file(s); ${pass.failed} failed and will be retried`);
    }
    await this.scheduleNext(more);
    return pass;
  }

  /** Claims up to `limit` due rows by moving them past the lease; returns them. */
  private claim(limit: number): Promise<ClaimedRow[]> {
    return this.em.fork().execute<ClaimedRow[]>(
      `update storage_deletions
          set attempts = attempts + 1,
              next_attempt_at = now() + (? * interval '1 millisecond')
        where storage_key in (
          select storage_key from storage_deletions
           where next_attempt_at <= now()
           order by next_attempt_at
           limit ?
           for update skip locked)
        returning storage_key, document_id, owner_id, attempts`,
      [CLAIM_LEASE_MS, limit],
      'all',
    );
  }

  private async removeOne(row: ClaimedRow): Promise<boolean> {
    const em = this.em.fork();
    try {
      await this.storage.delete(row.storage_key);
    } catch (error) {
      if (error instanceof AppError && error.code === 'storage_invalid_key') {
        // no retry can ever remove it (and nothing under the storage folder has that name)
        this.logger.error({ key: row.storage_key }, 'dropping an invalid storage key');
        await em.execute(`delete from storage_deletions where storage_key = ?`, [row.storage_key]);
        return false;
      }
      const delayMs = removeFileBackoffMs(row.attempts);
      await em.execute(
        `update storage_deletions
            set next_attempt_at = now() + (? * interval '1 millisecond'), last_error = ?
          where storage_key = ?`,
        [delayMs, describeError(error), row.storage_key],
      );
      const log = row.attempts >= LOUD_AFTER_ATTEMPTS ? 'error' : 'warn';
      this.logger[log](
        { err: error, key: row.storage_key, documentId: row.document_id, attempts: row.attempts },
        `could not remove a deleted document's file; retrying in ${Math.round(delayMs / 1000)} s`,
      );
      return false;
    }
    // audited before the row goes: a crash in between repeats the (idempotent) removal and its
    // entry, never loses it
    await this.audit.record({
      action: 'document.file_removed',
      actorId: null,
      targetType: 'Document',
      targetId: row.document_id,
      metadata: { storageKey: row.storage_key, ownerId: row.owner_id, attempts: row.attempts },
    });
    await em.execute(`delete from storage_deletions where storage_key = ?`, [row.storage_key]);
    return true;
  }

  /** Queues the next pass: now when rows were left over, else at the earliest retry (if any). */
  private async scheduleNext(more: boolean): Promise<void> {
    try {
      if (more) {
        await this.producer.hint();
        return;
      }
      const [next] = await this.em.fork().execute<{ wait_ms: string | null }[]>(
        `select ceil(extract(epoch from (min(next_attempt_at) - now())) * 1000)::bigint as wait_ms
             from storage_deletions`,
      );
      if (next?.wait_ms === null || next?.wait_ms === undefined) return;
      await this.producer.hint({ delayMs: Math.max(0, Number(next.wait_ms)) });
    } catch (error) {
      // the repeatable sweep takes over
      this.logger.warn(`could not schedule the next removal pass: ${String(error)}`);
    }
  }
}
