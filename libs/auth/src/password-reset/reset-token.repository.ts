import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthSettings } from '@docent/config';
import { PasswordResetToken } from '../entities/password-reset-token.entity';
import type { User } from '../entities/user.entity';
import { randomToken, sha256Hex } from '../tokens/token-hash';

/** Reset links: stored as the SHA-256 of their token only, single use, one live per account. */
@Injectable()
export class ResetTokenRepository {
  /** How long a link works. */
  readonly ttlMs: number;

  constructor(
    private readonly em: EntityManager,
    config: ConfigService,
  ) {
    this.ttlMs = config.getOrThrow<AuthSettings>('auth').passwordResetTtlMs;
  }

  /** A new link for the user; the previous ones stop working. Returns the token and the row's id. */
  async issue(user: User): Promise<{ id: string; token: string }> {
    const now = new Date();
    // one live link per account: a new request supersedes the previous ones
    await this.em.nativeUpdate(
      PasswordResetToken,
      { user: user.id, usedAt: null },
      { usedAt: now },
    );
    const token = randomToken();
    const row = this.em.create(PasswordResetToken, {
      user,
      tokenHash: sha256Hex(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.ttlMs),
    });
    await this.em.persist(row).flush();
    return { id: row.id, token };
  }

  /** The unused, unexpired link of this token, with its user and their role. */
  findLive(token: string, now: Date): Promise<PasswordResetToken | null> {
    return this.em.findOne(
      PasswordResetToken,
      { tokenHash: sha256Hex(token), usedAt: null, expiresAt: { $gt: now } },
      { populate: ['user', 'user.role'] },
    );
  }

  /** Spends the link; false when a concurrent reset spent it first. */
  async consume(id: string, now: Date): Promise<boolean> {
    const consumed = await this.em.nativeUpdate(
      PasswordResetToken,
      { id, usedAt: null },
      { usedAt: now },
    );
    return consumed === 1;
  }
}
