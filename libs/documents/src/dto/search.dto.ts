import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

/** `GET /search?q&limit&group&documentIds`. */
export class SearchQueryDto {
  @ApiProperty({ minLength: 1, maxLength: 500, description: 'A natural-language query' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  q!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 10;

  @ApiPropertyOptional({
    enum: ['chunk', 'document'],
    default: 'chunk',
    description:
      '`document`: only the best chunk of each document, so the hits are distinct documents; ' +
      '`chunk`: every matching chunk on its own',
  })
  @IsOptional()
  @IsIn(['chunk', 'document'])
  group: 'chunk' | 'document' = 'chunk';

  @ApiPropertyOptional({
    type: String,
    description:
      'Comma-separated document ids limiting the scope; ids you cannot read are ignored (max 100)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => {
    const parts = Array.isArray(value) ? value.join(',') : value;
    return typeof parts === 'string'
      ? parts
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id.length > 0)
      : parts;
  })
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID(undefined, { each: true })
  documentIds?: string[];
}

export class SearchHitDto {
  @ApiProperty({ format: 'uuid' })
  chunkId!: string;

  @ApiProperty({ format: 'uuid' })
  documentId!: string;

  @ApiProperty()
  filename!: string;

  @ApiProperty({ type: Number, nullable: true })
  page!: number | null;

  @ApiProperty({ description: 'Matched words between « and »' })
  snippet!: string;

  @ApiProperty({
    description:
      'Relevance (BM25 over the documents you can read, relative to the best hit, plus closeness of meaning); higher is better, comparable within one answer',
  })
  score!: number;
}

export class SearchResultDto {
  @ApiProperty({ type: [SearchHitDto] })
  items!: SearchHitDto[];
}
