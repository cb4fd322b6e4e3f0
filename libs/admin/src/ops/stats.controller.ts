import { Controller, Get } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CheckPolicies } from '@docent/authorization';
import { AdminStatsDto } from './dto/stats.dto';
import { StatsService } from './stats.service';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Controller('admin/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'Stats'))
  @ApiOperation({ summary: 'Figures for the admin dashboard: users and queue depths' })
  @ApiOkResponse({ type: AdminStatsDto })
  @ApiUnauthorizedResponse({ description: 'RFC 9457 problem details' })
  @ApiForbiddenResponse({ description: 'The caller may not read the stats' })
  @ApiServiceUnavailableResponse({
    description: 'Redis did not answer within 2 s (`dependency_unavailable`, with Retry-After)',
  })
  compute(): Promise<AdminStatsDto> {
    return this.stats.compute();
  }
}
