import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { RequestContext } from '@docent/common';
import type { AuditAction, AuditTargetType } from './audit-catalogue';
import { AuditEvent, type AuditOutcome } from './audit-event.entity';

export interface AuditRecord {
  action: AuditAction;
  outcome?: AuditOutcome;
  /** Defaults to the authenticated caller of the current request. */
  actorId?: string | null;
  targetType?: AuditTargetType;
  targetId?: string | null;
  metadata?: Record<string, unknown>;
}

const SECRET_KEYS = /password|token|secret|authorization|cookie/i;

/** Drops anything that looks like a secret, however deep, before it is stored for good. */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_KEYS.test(key))
        .map(([key, inner]) => [key, scrub(inner)]),
    );
  }
  return value;
}

/**
 * Writes audit entries in their own unit of work, so an entry for a refused attempt is kept even
 * when the caller's transaction rolls back. Request id, ip and user agent come from the request
 * context.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly em: EntityManager,
    private readonly context: RequestContext,
  ) {}

  async record(entry: AuditRecord): Promise<void> {
    const caller = this.context.snapshot();
    const event = {
      id: new AuditEvent().id,
      occurredAt: new Date(),
      actorId: entry.actorId === undefined ? caller.actorId : entry.actorId,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      outcome: entry.outcome ?? 'success',
      ip: caller.ip,
      userAgent: caller.userAgent,
      requestId: caller.requestId,
      metadata: scrub(entry.metadata ?? {}) as Record<string, unknown>,
    };
    try {
      await this.em.fork().insert(AuditEvent, event);
    } catch (error) {
      // an action that cannot be audited does not go through silently
      this.logger.error({ err: error, action: entry.action }, 'could not write audit entry');
      throw error;
    }
  }
}
