import { ApiProperty } from '@nestjs/swagger';

/** `GET /admin/health`: what `/health/ready` keeps from the public, for operators. */
export class AdminHealthDto {
  @ApiProperty({ enum: ['ok', 'error'], description: '`error` when any dependency is down' })
  status!: 'ok' | 'error';

  @ApiProperty({ format: 'date-time' })
  checkedAt!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['up', 'down'] } },
      required: ['status'],
      additionalProperties: true,
    },
    description:
      'Per dependency (database, redis, queue, storage): `status`, and `latencyMs`, the error ' +
      '`message` when down, or per-queue `{status, waiting}`',
    example: {
      database: { status: 'up', latencyMs: 3 },
      redis: { status: 'down', message: 'Redis connection is reconnecting' },
      queue: { status: 'up', ingestion: { status: 'up', waiting: 0 } },
      storage: { status: 'up' },
    },
  })
  checks!: Record<string, Record<string, unknown> & { status: 'up' | 'down' }>;
}
