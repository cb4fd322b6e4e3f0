import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '@docent/common';
import { QUEUE_NAMES } from '@docent/queue';

/** Job states an admin can list (bull's lists and sorted sets). */
export const JOB_STATES = [
  'failed',
  'waiting',
  'active',
  'delayed',
  'completed',
  'paused',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export class QueueCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) waiting!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) active!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) delayed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) failed!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Kept for a while after completion, then trimmed',
  })
  completed!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Waiting while the queue is paused' })
  paused!: number;
}

export class QueueDto {
  @ApiProperty({ enum: QUEUE_NAMES }) name!: string;
  @ApiProperty({ type: QueueCountsDto }) counts!: QueueCountsDto;
  @ApiProperty({ description: 'Paused for every worker (a global pause)' }) isPaused!: boolean;
}

export class QueueListDto {
  @ApiProperty({ type: [QueueDto] }) items!: QueueDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Always null: every queue fits one page',
  })
  nextCursor!: null;
}

export class JobListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATES, default: 'failed' })
  @IsOptional()
  @IsIn(JOB_STATES)
  state: JobState = 'failed';
}

export class JobDto {
  @ApiProperty({ example: '42', description: "bull's job id (unique within its queue)" })
  id!: string;
  @ApiProperty({ example: 'ingest' }) name!: string;
  @ApiProperty({ enum: JOB_STATES, description: 'The state the job was listed under' })
  state!: JobState;
  @ApiProperty({ type: 'integer', minimum: 0 }) attemptsMade!: number;
  @ApiProperty({ nullable: true, type: String }) failedReason!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The latest failed attempt's stack trace, first 20 lines at most",
  })
  stacktrace!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The payload without keys that may hold secrets (password, token, secret, url, context, …)',
  })
  data!: unknown;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the job was added',
  })
  timestamp!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  processedOn!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  finishedOn!: string | null;
}

export class JobPageDto {
  @ApiProperty({ type: [JobDto], description: 'Most recent first' }) items!: JobDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page' })
  nextCursor!: string | null;
}
