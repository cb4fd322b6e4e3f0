import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '@docent/common';
import { DOCUMENT_STATUSES, type DocumentStatus } from '../entities/document.entity';

/** `GET /documents?status&q&cursor&limit`. */
export class ListDocumentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DOCUMENT_STATUSES })
  @IsOptional()
  @IsIn([...DOCUMENT_STATUSES])
  status?: DocumentStatus;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the file name' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
}
