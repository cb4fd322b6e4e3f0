import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainEventBus } from '@docent/common';
import { Keyring } from '@docent/crypto';
import type { AuthSettings } from '@docent/config';
import { Session, type SessionEndReason } from '../entities/session.entity';
import { SpentRefreshToken } from '../entities/spent-refresh-token.entity';
import type { User } from '../entities/user.entity';
import { randomToken, sha256Hex } from '../tokens/token-hash';

/** Binds a sealed successor to its session and to the spent token it answers for. */
const successorAad = (sessionId: string, spentHash: string): string =>
  `refresh-successor:${sessionId}:${spentHash}`;
import { RevocationStore } from './revocation.store';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export type RotationResult<T> =
  | { outcome: 'rotated'; sessionId: string; userId: string; refreshToken: string; confirmed: T }
  | {
      /** The spent token came back within JWT_REFRESH_REUSE_GRACE: the pair it was rotated to. */
      outcome: 'replayed';
      sessionId: string;
      userId: string;
      refreshToken: string;
      accessToken: string;
    }
  | { outcome: 'reused'; sessionId: string; userId: string }
  | { outcome: 'ended'; reason: 'revoked' | 'expired' }
  | { outcome: 'unknown' };

/**
 * What a rotation's caller does before the rotation commits (read the user, write what Redis
 * needs, sign the access token): if it throws (PostgreSQL or Redis down), the rotation rolls
 * back and the presented refresh token still works. Returns the new access token to keep (sealed)
 * for a replay within the grace window, or null when the session must not go on.
 */
export type RotationConfirm<T> = (
  rotated: { sessionId: string; userId: string },
  tx: EntityManager,
) => Promise<{ accessToken: string; value: T } | null>;

/** Which sessions `revoke` ends: every given field narrows the set (at least one is required). */
export interface RevokeWhere {
  sessionId?: string;
  userId?: string;
  tokenHash?: string;
  exceptSessionId?: string;
}

/** The SQL condition of each `RevokeWhere` field, in the order they are added to the statement. */
const REVOKE_CONDITIONS: readonly (readonly [keyof RevokeWhere, string])[] = [
  ['sessionId', '"id" = ?'],
  ['userId', '"user_id" = ?'],
  ['tokenHash', '"token_hash" = ?'],
  ['exceptSessionId', '"id" <> ?'],
];

/** What a spent token's row keeps, sealed, for a replay within the grace window. */
interface SealedSuccessor {
  refreshToken: string;
  accessToken: string;
}

/**
 * Sessions are refresh-token families. Rotation is one conditional UPDATE, so of several
 * concurrent refreshes with one token at most one matches; the spent token is recorded in the
 * same transaction, which is how a later presentation of it is recognised as theft. Within
 * JWT_REFRESH_REUSE_GRACE of the rotation, the spent token instead gets the pair it was rotated to
 * (two tabs, a retry after a lost answer), kept sealed with the data key in the spent token's row
 * and only while that pair is still the session's current one.
 */
@Injectable()
export class SessionService {
  private readonly settings: AuthSettings;

  constructor(
    private readonly em: EntityManager,
    private readonly revocations: RevocationStore,
    config: ConfigService,
    private readonly events: DomainEventBus,
    private readonly keyring: Keyring,
  ) {
    this.settings = config.getOrThrow<AuthSettings>('auth');
  }

  private idleExpiry(from: Date): Date {
    return new Date(from.getTime() + this.settings.sessionIdleTtlMs);
  }

  async create(
    user: User,
    client: ClientInfo,
  ): Promise<{ session: Session; refreshToken: string }> {
    const refreshToken = randomToken();
    const now = new Date();
    const absolute = new Date(now.getTime() + this.settings.jwtRefreshTtlMs);
    const idle = this.idleExpiry(now);
    const session = this.em.create(Session, {
      user,
      tokenHash: sha256Hex(refreshToken),
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt: idle < absolute ? idle : absolute,
      absoluteExpiresAt: absolute,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    await this.em.persist(session).flush();
    await this.revocations.setSessionOwner(session.id, user.id, absolute);
    return { session, refreshToken };
  }

  /**
   * Whose session this is, from PostgreSQL (for sessions whose owner is not in Redis: created by
   * an older release, or the entry was lost); null when there is no such session.
   */
  async ownerOf(sessionId: string): Promise<{ userId: string; absoluteExpiresAt: Date } | null> {
    const rows = await this.em
      .getConnection()
      .execute<{ user_id: string; absolute_expires_at: Date }[]>(
        'select "user_id", "absolute_expires_at" from "sessions" where "id" = ?',
        [sessionId],
      );
    return rows.length === 1
      ? { userId: rows[0].user_id, absoluteExpiresAt: new Date(rows[0].absolute_expires_at) }
      : null;
  }

  async rotate<T>(
    refreshToken: string,
    client: ClientInfo,
    confirm: RotationConfirm<T>,
  ): Promise<RotationResult<T | null>> {
    const presented = sha256Hex(refreshToken);
    const next = randomToken();
    const now = new Date();
    const rotated = await this.em.transactional(async (tx) => {
      const rows = await tx.getConnection().execute<{ id: string; user_id: string }[]>(
        `update "sessions"
            set "token_hash" = ?, "last_used_at" = ?, "idle_expires_at" = least(?, "absolute_expires_at"),
                "ip" = coalesce(?, "ip"), "user_agent" = coalesce(?, "user_agent")
          where "token_hash" = ? and "revoked_at" is null
            and "idle_expires_at" > ? and "absolute_expires_at" > ?
          returning "id", "user_id"`,
        [
          sha256Hex(next),
          now,
          this.idleExpiry(now),
          client.ip,
          client.userAgent,
          presented,
          now,
          now,
        ],
        'all',
        tx.getTransactionContext(),
      );
      if (rows.length !== 1) return null;
      const ids = { sessionId: rows[0].id, userId: rows[0].user_id };
      const confirmed = await confirm(ids, tx);
      const successor: SealedSuccessor | null = confirmed
        ? { refreshToken: next, accessToken: confirmed.accessToken }
        : null;
      await tx.insert(SpentRefreshToken, {
        tokenHash: presented,
        session: ids.sessionId,
        spentAt: now,
        successorSealed:
          successor && this.settings.refreshReuseGraceMs > 0
            ? this.keyring.seal(JSON.stringify(successor), successorAad(ids.sessionId, presented))
            : null,
      });
      return { ...ids, confirmed: confirmed?.value ?? null };
    });
    if (rotated) return { outcome: 'rotated', ...rotated, refreshToken: next };

    const spent = await this.em
      .fork()
      .findOne(SpentRefreshToken, { tokenHash: presented }, { populate: ['session'] });
    if (spent) {
      const successor = this.replayable(spent, presented, now);
      if (successor) {
        return {
          outcome: 'replayed',
          sessionId: spent.session.id,
          userId: spent.session.user.id,
          ...successor,
        };
      }
      return { outcome: 'reused', sessionId: spent.session.id, userId: spent.session.user.id };
    }
    const current = await this.em.fork().findOne(Session, { tokenHash: presented });
    if (!current) return { outcome: 'unknown' };
    return { outcome: 'ended', reason: current.revokedAt ? 'revoked' : 'expired' };
  }

  /**
   * The pair a spent token was rotated to, when it comes back within the grace window and that
   * pair is still the live session's current one; null otherwise (then it is theft).
   */
  private replayable(
    spent: SpentRefreshToken,
    presentedHash: string,
    now: Date,
  ): SealedSuccessor | null {
    const grace = this.settings.refreshReuseGraceMs;
    if (grace <= 0 || !spent.successorSealed) return null;
    if (now.getTime() - spent.spentAt.getTime() > grace) return null;
    const session = spent.session;
    if (session.revokedAt || session.idleExpiresAt <= now || session.absoluteExpiresAt <= now) {
      return null;
    }
    let successor: SealedSuccessor;
    try {
      successor = JSON.parse(
        this.keyring.openText(spent.successorSealed, successorAad(session.id, presentedHash)),
      ) as SealedSuccessor;
    } catch {
      return null;
    }
    return session.tokenHash === sha256Hex(successor.refreshToken) ? successor : null;
  }

  /** Ends sessions and makes their access tokens fail on the next request. Returns those ended. */
  async revoke(
    where: RevokeWhere,
    reason: SessionEndReason,
  ): Promise<{ id: string; userId: string }[]> {
    const conditions: string[] = ['"revoked_at" is null'];
    const params: unknown[] = [new Date(), reason];
    for (const [key, condition] of REVOKE_CONDITIONS) {
      const value = where[key];
      if (!value) continue;
      conditions.push(condition);
      params.push(value);
    }
    if (params.length === 2) throw new Error('refusing to revoke every session of every user');
    const rows = await this.em
      .getConnection()
      .execute<{ id: string; user_id: string }[]>(
        `update "sessions" set "revoked_at" = ?, "revoked_reason" = ? where ${conditions.join(' and ')} returning "id", "user_id"`,
        params,
      );
    await this.revocations.markSessionsRevoked(rows.map((row) => row.id));
    // every way a session ends passes here (logout, revoke, token reuse, password change or
    // reset, disabled): the api disconnects the session's sockets on every instance
    await Promise.all(
      rows.map((row) =>
        this.events.emit('session.ended', { userId: row.user_id, sessionId: row.id }),
      ),
    );
    return rows.map((row) => ({ id: row.id, userId: row.user_id }));
  }

  /** The user's sessions that can still be refreshed, most recently used first. */
  async listActive(userId: string): Promise<Session[]> {
    const now = new Date();
    return this.em.find(
      Session,
      {
        user: userId,
        revokedAt: null,
        idleExpiresAt: { $gt: now },
        absoluteExpiresAt: { $gt: now },
      },
      { orderBy: { lastUsedAt: 'desc', id: 'desc' } },
    );
  }

  async findActive(sessionId: string, userId: string): Promise<Session | null> {
    const now = new Date();
    return this.em.findOne(Session, {
      id: sessionId,
      user: userId,
      revokedAt: null,
      idleExpiresAt: { $gt: now },
      absoluteExpiresAt: { $gt: now },
    });
  }
}
