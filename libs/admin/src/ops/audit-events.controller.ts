import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn } from '@docent/common';
import { CheckPolicies } from '@docent/authorization';
import { AuditEventsService } from './audit-events.service';
import { AuditEventPageDto, AuditEventQueryDto } from './dto/audit-event.dto';

/**
 * The audit log, read-only: the table is append-only (a trigger refuses UPDATE and DELETE) and
 * this API offers no way to write, change or delete an entry.
 */
@ApiSignedIn('admin', { 403: 'The caller may not read the audit log' })
@Controller('admin/audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsService) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'AuditEvent'))
  @ApiOperation({
    summary: 'Audit log entries, newest first; filters combine with AND',
    description:
      'Keyset-paginated on (occurredAt, id). `from` and `to` bound `occurredAt` inclusively.',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiProblemResponses({
    400: 'Invalid filter, malformed `from`/`to`, `from` later than `to`, or a malformed cursor (`invalid_cursor`)',
  })
  list(@Query() query: AuditEventQueryDto): Promise<AuditEventPageDto> {
    return this.events.list(query);
  }
}
