import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { AuditEvent } from '@docent/audit';
import { PageQueryDto } from '@docent/common';
import { parseInstant } from '../instant';

/** A query value that is a valid instant becomes a Date; anything else stays and fails `@IsDate`. */
const toInstant = ({ value }: { value: unknown }) => parseInstant(value) ?? value;

const INSTANT_DOC =
  'ISO-8601 date (`2026-05-01`, midnight UTC) or date-time (`2026-05-01T12:30:00Z`, ' +
  '`2026-05-01T14:30:00+02:00`; without an offset it is read as UTC)';

// actions are dotted snake_case names such as `auth.login` or `admin.job_retried`
const NAME = /^[A-Za-z0-9_.:-]+$/;

export class AuditEventQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only entries by this actor' })
  @IsOptional()
  @IsUUID('all')
  actorId?: string;

  @ApiPropertyOptional({ example: 'auth.login', description: 'Only entries with this action' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NAME, { message: 'action must be an action name such as auth.login' })
  action?: string;

  @ApiPropertyOptional({ example: 'user', description: 'Only entries about this kind of target' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NAME, { message: 'targetType must be a target type such as user' })
  targetType?: string;

  @ApiPropertyOptional({ description: 'Only entries about this target (combine with targetType)' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  targetId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: `Entries at or after this instant. ${INSTANT_DOC}`,
  })
  @IsOptional()
  @Transform(toInstant)
  @IsDate({ message: 'from must be an ISO-8601 date or date-time' })
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: `Entries at or before this instant (not before \`from\`). ${INSTANT_DOC}`,
  })
  @IsOptional()
  @Transform(toInstant)
  @IsDate({ message: 'to must be an ISO-8601 date or date-time' })
  to?: Date;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Who acted; null for anonymous callers and the system',
  })
  actorId!: string | null;
  @ApiProperty({ example: 'auth.login' }) action!: string;
  @ApiProperty({ nullable: true, type: String, example: 'user' }) targetType!: string | null;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ enum: ['success', 'failure', 'denied'] }) outcome!: string;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'X-Request-Id of the request' })
  requestId!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Details of the action (secrets are never stored)',
  })
  metadata!: Record<string, unknown>;

  static from(event: AuditEvent): AuditEventDto {
    return {
      id: event.id,
      occurredAt: event.occurredAt.toISOString(),
      actorId: event.actorId,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
      outcome: event.outcome,
      ip: event.ip,
      userAgent: event.userAgent,
      requestId: event.requestId,
      metadata: event.metadata ?? {},
    };
  }
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' }) items!: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page' })
  nextCursor!: string | null;
}
