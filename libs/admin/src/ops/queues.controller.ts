import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn } from '@docent/common';
import { CheckPolicies } from '@docent/authorization';
import { QUEUE_NAMES } from '@docent/queue';
import { JobListQueryDto, JobPageDto, QueueListDto } from './dto/queue.dto';
import { QueueAdminService } from './queue-admin.service';

const REDIS_DOWN = 'Redis did not answer within 2 s (`dependency_unavailable`, with Retry-After)';
const QUEUE_PARAM = { name: 'name', enum: QUEUE_NAMES, description: 'Queue name' };
const JOB_PARAM = { name: 'id', description: "The job's id within its queue", example: '42' };

@ApiSignedIn('admin', { 403: 'The caller may not do this to queues', 503: REDIS_DOWN })
@Controller('admin/queues')
export class QueuesController {
  constructor(private readonly queues: QueueAdminService) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'Queue'))
  @ApiOperation({ summary: 'Every queue with its job counts per state and whether it is paused' })
  @ApiOkResponse({ type: QueueListDto })
  async list(): Promise<QueueListDto> {
    return { items: await this.queues.listQueues(), nextCursor: null };
  }

  @Get(':name/jobs')
  @CheckPolicies((ability) => ability.can('read', 'Queue'))
  @ApiOperation({
    summary: "A queue's jobs in one state (failed by default), most recent first",
    description:
      'Payload keys that may hold secrets are removed; stack traces are cut to 20 lines. The ' +
      'cursor is an offset into bull’s list: a job changing state between pages may be skipped.',
  })
  @ApiParam(QUEUE_PARAM)
  @ApiOkResponse({ type: JobPageDto })
  @ApiProblemResponses({
    400: 'Unknown state, bad limit or malformed cursor',
    404: 'No such queue (`queue_not_found`)',
  })
  listJobs(@Param('name') name: string, @Query() query: JobListQueryDto): Promise<JobPageDto> {
    return this.queues.listJobs(name, query);
  }

  @Post(':name/jobs/:id/retry')
  @HttpCode(202)
  @CheckPolicies((ability) => ability.can('update', 'Queue'))
  @ApiOperation({
    summary: 'Put a failed job back in the queue (audited as admin.job_retried)',
  })
  @ApiParam(QUEUE_PARAM)
  @ApiParam(JOB_PARAM)
  @ApiAcceptedResponse({ description: 'The job is waiting again' })
  @ApiProblemResponses({
    404: 'No such queue or job (`queue_not_found`, `job_not_found`)',
    409: 'The job has not failed (`job_not_failed`)',
  })
  async retry(@Param('name') name: string, @Param('id') id: string): Promise<void> {
    await this.queues.retry(name, id);
  }

  @Delete(':name/jobs/:id')
  @HttpCode(204)
  @CheckPolicies((ability) => ability.can('delete', 'Queue'))
  @ApiOperation({ summary: 'Delete a job that is not running (audited as admin.job_removed)' })
  @ApiParam(QUEUE_PARAM)
  @ApiParam(JOB_PARAM)
  @ApiNoContentResponse()
  @ApiProblemResponses({
    404: 'No such queue or job (`queue_not_found`, `job_not_found`)',
    409: 'The job is being processed (`job_active`)',
  })
  async remove(@Param('name') name: string, @Param('id') id: string): Promise<void> {
    await this.queues.remove(name, id);
  }
}
