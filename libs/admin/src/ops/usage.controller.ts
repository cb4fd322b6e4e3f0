import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn } from '@docent/common';
import { CheckPolicies } from '@docent/authorization';
import { UsageQueryDto, UsageReportDto } from './dto/usage.dto';
import { UsageReportService } from './usage-report.service';

@ApiSignedIn('admin', { 403: 'The caller may not read the stats' })
@Controller('admin/usage')
export class UsageController {
  constructor(private readonly usage: UsageReportService) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'Stats'))
  @ApiOperation({
    summary: 'Usage analytics: feature use over time, active people, top users, failures',
    description:
      'Counts per UTC day from the per-user daily counters (no content, no e-mail addresses), ' +
      'summed per day, week (from Monday) or month over a window of at most 366 days.',
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiProblemResponses({
    400: 'from/to not calendar dates, from later than to, a window over 366 days, or an unknown groupBy',
  })
  report(@Query() query: UsageQueryDto): Promise<UsageReportDto> {
    return this.usage.report(query);
  }
}
