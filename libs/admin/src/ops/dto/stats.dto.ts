import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';

export class UserStatusCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) active!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) disabled!: number;
}

export class UserStatsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    example: { admin: 1, member: 40, viewer: 3 },
    description: 'Users per role name; every role is listed, with 0 when it has no users',
  })
  byRole!: Record<string, number>;
  @ApiProperty({ type: UserStatusCountsDto }) byStatus!: UserStatusCountsDto;
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
}

export class QueueDepthDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Waiting, including jobs held by a paused queue',
  })
  waiting!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) active!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) delayed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) failed!: number;
}

export class DocumentStatusCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0 }) queued!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) processing!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) completed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) failed!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) cancelled!: number;
}

export class DocumentStatsDto {
  @ApiProperty({ type: DocumentStatusCountsDto }) byStatus!: DocumentStatusCountsDto;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Documents in every status' })
  total!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Indexed chunks in all' })
  chunks!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Bytes of the uploaded files still kept (every status but cancelled)',
  })
  storageBytes!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    example: { encrypted_pdf: 2, no_extractable_text: 5 },
    description: 'Failed documents per error code',
  })
  failuresByCode!: Record<string, number>;
}

export class ChatUsageDayDto {
  @ApiProperty({ format: 'date', example: '2026-11-26' }) day!: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Questions answered that day' })
  questions!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) answerTokens!: number;
}

export class ChatStatsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Questions answered today (UTC)' })
  questionsToday!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) answerTokensToday!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Today and the 29 days before' })
  questionsLast30Days!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) answerTokensLast30Days!: number;
  @ApiProperty({
    type: [ChatUsageDayDto],
    description: 'Days of the last 30 with any question (each answered question has one answer)',
  })
  perDay!: ChatUsageDayDto[];
}

/**
 * `GET /admin/stats`. One top-level key per area (users, queues, …), so later areas (documents,
 * chunks, storage, chat, ingestion) are added as new keys without changing the existing ones.
 */
@ApiExtraModels(QueueDepthDto)
export class AdminStatsDto {
  @ApiProperty({ type: UserStatsDto }) users!: UserStatsDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(QueueDepthDto) },
    description: 'Depth of each queue (ingestion, mail, maintenance)',
  })
  queues!: Record<string, QueueDepthDto>;
  @ApiProperty({ type: DocumentStatsDto }) documents!: DocumentStatsDto;
  @ApiProperty({ type: ChatStatsDto }) chat!: ChatStatsDto;
  @ApiProperty({ format: 'date-time', description: 'When these figures were computed' })
  generatedAt!: string;
}
