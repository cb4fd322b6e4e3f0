import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageQueryDto } from '@docent/common';

export const TITLE_MAX_LENGTH = 200;
export const QUESTION_MAX_LENGTH = 4000;
export const MAX_SESSION_DOCUMENTS = 50;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `POST /chat/sessions`. */
export class CreateSessionDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: TITLE_MAX_LENGTH,
    default: 'New chat',
    description: 'Shown in the session list (trimmed)',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(TITLE_MAX_LENGTH)
  title?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_SESSION_DOCUMENTS,
    description:
      'Limits retrieval to these documents (each must be readable by you, else 422 ' +
      '`chat_documents_not_readable`). Omitted or empty: every document you can read at question ' +
      'time.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SESSION_DOCUMENTS)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  documentIds?: string[];
}

/** `PATCH /chat/sessions/:id`. */
export class RenameSessionDto {
  @ApiProperty({
    minLength: 1,
    maxLength: TITLE_MAX_LENGTH,
    description: 'The new title (trimmed)',
  })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(TITLE_MAX_LENGTH)
  title!: string;
}

/** `POST /chat/sessions/:id/messages`. */
export class AskDto {
  @ApiProperty({
    minLength: 1,
    maxLength: QUESTION_MAX_LENGTH,
    description: 'The question, in natural language',
  })
  @IsString()
  @Transform(trim)
  @MinLength(1)
  @MaxLength(QUESTION_MAX_LENGTH)
  content!: string;
}

/** The cursor of the messages list: a message id, not an opaque keyset cursor. */
class MessagesBeforeQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "A message id (the previous page's `nextCursor`): only older messages are returned. " +
      'Absent: the newest page.',
  })
  @IsOptional()
  @IsUUID()
  before?: string;
}

/**
 * `GET /chat/sessions/:id/messages?before&limit`: `limit` as every list's (PageQueryDto). `before`
 * comes first so the documented parameters keep their order.
 */
export class MessagesQueryDto extends IntersectionType(
  MessagesBeforeQueryDto,
  PickType(PageQueryDto, ['limit'] as const),
) {}

export const EXPORT_FORMATS = ['json', 'markdown'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `GET /chat/sessions/:id/export?format`. */
export class ExportQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn([...EXPORT_FORMATS])
  format: ExportFormat = 'json';
}
