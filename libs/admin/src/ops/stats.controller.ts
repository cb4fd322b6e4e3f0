import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiSignedIn } from '@docent/common';
import { CheckPolicies } from '@docent/authorization';
import { AdminStatsDto } from './dto/stats.dto';
import { StatsService } from './stats.service';

@ApiSignedIn('admin', {
  403: 'The caller may not read the stats',
  503: 'Redis did not answer within 2 s (`dependency_unavailable`, with Retry-After)',
})
@Controller('admin/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'Stats'))
  @ApiOperation({ summary: 'Figures for the admin dashboard: users and queue depths' })
  @ApiOkResponse({ type: AdminStatsDto })
  compute(): Promise<AdminStatsDto> {
    return this.stats.compute();
  }
}
