import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppSettings } from '@docent/config';
import { MailProducer } from '@docent/mail';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import type { User } from '../entities/user.entity';
import { sha256Hex } from '../tokens/token-hash';

/** At most this many reset mails per address per hour, whatever the IP. */
export const RESET_REQUESTS_PER_HOUR = 3;

/** The reset mail, and the per-address budget that keeps the form from being a mail cannon. */
@Injectable()
export class ResetMail {
  private readonly publicAppUrl: string;

  constructor(
    private readonly mail: MailProducer,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService,
  ) {
    this.publicAppUrl = config.getOrThrow<AppSettings>('app').publicAppUrl;
  }

  /** Counts this request against the address's hourly budget; true while it is within it. */
  async withinBudget(email: string): Promise<boolean> {
    const key = `auth:reset-requests:{${sha256Hex(email).slice(0, 32)}}`;
    const [[, count]] = (await this.redis
      .multi()
      .incr(key)
      .pexpire(key, 3_600_000, 'NX')
      .exec()) as [[Error | null, number]];
    return count <= RESET_REQUESTS_PER_HOUR;
  }

  async send(
    user: User,
    link: { id: string; token: string; ttlMs: number },
    requestId?: string,
  ): Promise<void> {
    const resetUrl = `${this.publicAppUrl}/reset-password?token=${encodeURIComponent(link.token)}`;
    await this.mail.send({
      template: 'password-reset',
      to: { email: user.email, name: user.displayName },
      context: {
        displayName: user.displayName,
        resetUrl,
        expiresInMinutes: Math.round(link.ttlMs / 60_000),
      },
      eventId: link.id,
      requestId,
    });
  }
}
