import { Injectable } from '@nestjs/common';
import { decodeCursor, type Page, toPage, ValidationFailedError } from '@docent/common';
import { AuditEventRepository, type AuditEventPosition } from './audit-event.repository';
import { AuditEventDto, type AuditEventQueryDto } from './dto/audit-event.dto';

interface AuditCursor extends Record<string, unknown> {
  occurredAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isAuditCursor(value: Record<string, unknown>): value is AuditCursor {
  return (
    Object.keys(value).length === 2 &&
    typeof value.occurredAt === 'string' &&
    !Number.isNaN(Date.parse(value.occurredAt)) &&
    typeof value.id === 'string' &&
    UUID.test(value.id)
  );
}

/** Reading the audit log. Reads are not audited themselves (that would flood the log). */
@Injectable()
export class AuditEventsService {
  constructor(private readonly events: AuditEventRepository) {}

  async list(query: AuditEventQueryDto): Promise<Page<AuditEventDto>> {
    if (query.from && query.to && query.from > query.to) {
      throw new ValidationFailedError(
        [{ field: 'from', message: 'from must not be later than to' }],
        'The time window is empty: from is later than to.',
      );
    }
    let after: AuditEventPosition | undefined;
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, isAuditCursor);
      after = { occurredAt: new Date(cursor.occurredAt), id: cursor.id };
    }
    const rows = await this.events.findPage(
      {
        actorId: query.actorId,
        action: query.action,
        targetType: query.targetType,
        targetId: query.targetId,
        from: query.from,
        to: query.to,
      },
      after,
      query.limit + 1,
    );
    return toPage(rows, query.limit, AuditEventDto.from, (event) => ({
      occurredAt: event.occurredAt.toISOString(),
      id: event.id,
    }));
  }
}
