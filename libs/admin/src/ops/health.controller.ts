import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiSignedIn } from '@docent/common';
import { CheckPolicies } from '@docent/authorization';
import { Readiness } from '@docent/health';
import { AdminHealthDto } from './dto/health.dto';

/**
 * The readiness checks with their details (error messages, latencies, queue depths), which the
 * public `/health/ready` reduces to up/down. Administrators only: the messages name hosts and
 * ports. This is the api instance's own view; a worker logs its transitions.
 */
@ApiSignedIn('admin', { 403: 'Administrators only' })
@Controller('admin/health')
export class AdminHealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get()
  @CheckPolicies((ability) => ability.can('manage', 'all'))
  @ApiOperation({
    summary: 'Readiness of every dependency with details (200 even when one is down)',
  })
  @ApiOkResponse({ type: AdminHealthDto })
  check(): Promise<AdminHealthDto> {
    return this.readiness.check();
  }
}
