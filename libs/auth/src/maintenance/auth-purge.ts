import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import type { AuthSettings } from '@docent/config';
import { JOBS, type MaintenanceJobPayload, MaintenanceTasks } from '@docent/queue';

/** How often the purge runs. */
export const AUTH_PURGE_EVERY_MS = 3_600_000;
/** The repeatable job's id: one schedule, however many workers start. */
export const AUTH_PURGE_JOB_ID = 'auth.purge';
/** Rows deleted per statement: short locks, bounded WAL bursts. */
export const AUTH_PURGE_BATCH_SIZE = 1000;
/**
 * An ended session (revoked, or past its idle or absolute expiry) is kept this long, with its
 * spent refresh tokens, so a stolen token replayed shortly after still shows up as reuse in the
 * audit log. Far longer than any access token of it can live.
 */
export const ENDED_SESSION_RETENTION_MS = 7 * 86_400_000;

export interface AuthPurgeResult {
  sessions: number;
  spentRefreshTokens: number;
  passwordResetTokens: number;
}

/**
 * What may go, and why it is safe:
 * - spent refresh tokens older than JWT_REFRESH_TTL: a session lives at most that long, so their
 *   family is over and a replay can no longer refresh anything;
 * - sessions ended more than `ENDED_SESSION_RETENTION_MS` ago (revoked, or idle or absolute
 *   expiry passed), with their spent tokens: nothing can be refreshed from them, and their access
 *   tokens expired long ago; a live session keeps every spent token, so reuse is still caught;
 * - password-reset tokens used or expired: they open nothing any more;
 * - the sealed successor pair kept on a spent token for JWT_REFRESH_REUSE_GRACE, once that passed.
 * Spent tokens go before their sessions, in batches, so no statement cascades over thousands.
 */
@Injectable()
export class AuthPurge {
  private readonly refreshTtlMs: number;
  private readonly reuseGraceMs: number;

  constructor(
    private readonly em: EntityManager,
    config: ConfigService,
  ) {
    this.refreshTtlMs = config.getOrThrow<AuthSettings>('auth').jwtRefreshTtlMs;
    this.reuseGraceMs = config.getOrThrow<AuthSettings>('auth').refreshReuseGraceMs;
  }

  async run(now = new Date(), batchSize = AUTH_PURGE_BATCH_SIZE): Promise<AuthPurgeResult> {
    const endedBefore = new Date(now.getTime() - ENDED_SESSION_RETENTION_MS);
    const spentBefore = new Date(now.getTime() - this.refreshTtlMs);
    const spentRefreshTokens =
      (await this.batches(
        `delete from "spent_refresh_tokens" where "token_hash" in (
           select "token_hash" from "spent_refresh_tokens" where "spent_at" < ? limit ?)`,
        [spentBefore],
        batchSize,
      )) +
      (await this.batches(
        `delete from "spent_refresh_tokens" where "token_hash" in (
           select t."token_hash" from "spent_refresh_tokens" t
             join "sessions" s on s."id" = t."session_id"
            where s."idle_expires_at" < ? or s."revoked_at" < ? limit ?)`,
        [endedBefore, endedBefore],
        batchSize,
      ));
    // a sealed successor only serves a replay within the grace window: past it, it goes
    await this.batches(
      `update "spent_refresh_tokens" set "successor_sealed" = null where "token_hash" in (
         select "token_hash" from "spent_refresh_tokens"
          where "successor_sealed" is not null and "spent_at" < ? limit ?)`,
      [new Date(now.getTime() - this.reuseGraceMs)],
      batchSize,
    );
    // the idle expiry is never after the absolute one, so it alone says "expired"
    const sessions = await this.batches(
      `delete from "sessions" where "id" in (
         select "id" from "sessions" where "idle_expires_at" < ? or "revoked_at" < ? limit ?)`,
      [endedBefore, endedBefore],
      batchSize,
    );
    const passwordResetTokens = await this.batches(
      `delete from "password_reset_tokens" where "id" in (
         select "id" from "password_reset_tokens"
          where "used_at" is not null or "expires_at" < ? limit ?)`,
      [now],
      batchSize,
    );
    return { sessions, spentRefreshTokens, passwordResetTokens };
  }

  /** Runs a `delete … limit ?` until it deletes fewer rows than a batch; returns the total. */
  private async batches(sql: string, params: unknown[], batchSize: number): Promise<number> {
    const connection = this.em.fork().getConnection();
    let total = 0;
    for (;;) {
      const result = await connection.execute<{ affectedRows: number }>(
        sql,
        [...params, batchSize],
        'run',
      );
      total += result.affectedRows;
      if (result.affectedRows < batchSize) return total;
    }
  }
}

/** Thin: schedules the purge (every AUTH_PURGE_EVERY_MS) and runs it when the job fires. */
@Injectable()
export class AuthPurgeProcessor {
  private readonly logger = new Logger('AuthPurge');

  constructor(
    private readonly purge: AuthPurge,
    tasks: MaintenanceTasks,
  ) {
    tasks.register(JOBS.maintenance.authPurge, (job) => this.run(job), {
      jobId: AUTH_PURGE_JOB_ID,
      everyMs: AUTH_PURGE_EVERY_MS,
    });
  }

  async run(job: Job<MaintenanceJobPayload>): Promise<AuthPurgeResult> {
    const result = await this.purge.run();
    if (result.sessions + result.spentRefreshTokens + result.passwordResetTokens > 0) {
      this.logger.log(
        `purged ${result.sessions} session(s), ${result.spentRefreshTokens} spent refresh ` +
          `token(s), ${result.passwordResetTokens} password-reset token(s)`,
      );
    }
    this.logger.debug(`purge job=${String(job.id)} done`);
    return result;
  }
}
