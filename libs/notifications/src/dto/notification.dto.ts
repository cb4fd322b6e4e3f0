import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQueryDto } from '@docent/common';
import { NOTIFICATION_TYPES } from '../notification.types';
import type { NotificationPayload } from '../realtime/realtime.events';

/** A stored notification as clients see it (REST and the socket's `notification` event). */
export class NotificationDto implements NotificationPayload {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    example: 'ingestion.completed',
    description: `One of ${NOTIFICATION_TYPES.join(', ')}`,
  })
  type!: string;

  @ApiProperty({ example: '“report.pdf” is ready' })
  title!: string;

  @ApiProperty()
  body!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Type-specific details, e.g. `{documentId, batchId, filename}`; `ingestion.failed` adds `error: {code, message}`',
  })
  data!: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] })
  items!: NotificationDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class UnreadCountDto {
  @ApiProperty({ minimum: 0 })
  count!: number;
}

export class ReadAllResultDto {
  @ApiProperty({ minimum: 0, description: 'How many notifications were unread and are now read' })
  updated!: number;
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    description: '`true`: unread only; `false`: read only; absent: all',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}
