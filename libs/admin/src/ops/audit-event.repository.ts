import { EntityManager, type QBFilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuditEvent } from '@docent/audit';
import type { TimeIdPosition } from '@docent/common';

export interface AuditEventFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive bounds on `occurredAt`. */
  from?: Date;
  to?: Date;
}

/** Read-only access to the audit log: there is deliberately no write or delete method here. */
@Injectable()
export class AuditEventRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Up to `limit` entries matching every given filter, newest first, strictly after `after` in
   * that order. The row comparison `(occurred_at, id) < (…)` walks `audit_events_occurred_at_idx`
   * backwards, so a deep page costs what the first one does.
   */
  async findPage(
    filter: AuditEventFilter,
    after: TimeIdPosition | undefined,
    limit: number,
  ): Promise<AuditEvent[]> {
    const qb = this.em.createQueryBuilder(AuditEvent, 'e');
    const where: QBFilterQuery<AuditEvent> = {};
    if (filter.actorId !== undefined) where.actorId = filter.actorId;
    if (filter.action !== undefined) where.action = filter.action;
    if (filter.targetType !== undefined) where.targetType = filter.targetType;
    if (filter.targetId !== undefined) where.targetId = filter.targetId;
    if (filter.from !== undefined || filter.to !== undefined) {
      where.occurredAt = {
        ...(filter.from !== undefined ? { $gte: filter.from } : {}),
        ...(filter.to !== undefined ? { $lte: filter.to } : {}),
      };
    }
    qb.select('*').where(where);
    if (after) {
      qb.andWhere('(e.occurred_at, e.id) < (?, ?)', [after.at, after.id]);
    }
    return qb.orderBy({ occurredAt: 'desc', id: 'desc' }).limit(limit).getResultList();
  }
}
