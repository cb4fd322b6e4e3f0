import { Controller, Get } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CheckPolicies } from '@docent/authorization';
import { Readiness } from '@docent/health';
import { AdminHealthDto } from './dto/health.dto';

/**
 * The readiness checks with their details (error messages, latencies, queue depths), which the
 * public `/health/ready` reduces to up/down. Administrators only: the messages name hosts and
 * ports. This is the api instance's own view; a worker logs its transitions.
 */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@Controller('admin/health')
export class AdminHealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get()
  @CheckPolicies((ability) => ability.can('manage', 'all'))
  @ApiOperation({
    summary: 'Readiness of every dependency with details (200 even when one is down)',
  })
  @ApiOkResponse({ type: AdminHealthDto })
  @ApiUnauthorizedResponse({ description: 'RFC 9457 problem details' })
  @ApiForbiddenResponse({ description: 'Administrators only' })
  check(): Promise<AdminHealthDto> {
    return this.readiness.check();
  }
}
