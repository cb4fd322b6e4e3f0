import { Injectable } from '@nestjs/common';
import { type Page, timeIdCursor, toPage, ValidationFailedError } from '@docent/common';
import { AuditEventRepository } from './audit-event.repository';
import { AuditEventDto, type AuditEventQueryDto } from './dto/audit-event.dto';

/** `{ occurredAt, id }`: the field names of the cursors handed out before the helper. */
const CURSOR = timeIdCursor('occurredAt');

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
    const after = query.cursor !== undefined ? CURSOR.decode(query.cursor) : undefined;
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
    return toPage(rows, query.limit, AuditEventDto.from, (event) =>
      CURSOR.position(event.occurredAt, event.id),
    );
  }
}
