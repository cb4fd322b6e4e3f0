import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PASSAGE_AROUND = 5;

/** `GET /documents/:id/chunks/:chunkId?around`. */
export class PassageQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_PASSAGE_AROUND,
    default: 1,
    description: 'How many chunks before and after the cited one come with it',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PASSAGE_AROUND)
  around: number = 1;
}

export class PassageChunkDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer', description: '0-based position in the document' })
  index!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: '1-based PDF page, else null' })
  page!: number | null;
  @ApiProperty({ description: 'The extracted text of the chunk' }) content!: string;
  @ApiProperty({ description: 'Whether this is the chunk that was asked for (the cited one)' })
  cited!: boolean;
}

/** A cited chunk with its neighbours, for reading a citation or a search hit in context. */
export class PassageDto {
  @ApiProperty({ format: 'uuid' }) documentId!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ type: 'integer', description: 'Chunks the document has' }) chunkCount!: number;
  @ApiProperty({ type: [PassageChunkDto], description: 'In document order' })
  chunks!: PassageChunkDto[];
  @ApiProperty({
    type: 'string',
    format: 'uuid',
    nullable: true,
    description: 'The chunk just before the cited one (to move back by one), null at the start',
  })
  previousChunkId!: string | null;
  @ApiProperty({
    type: 'string',
    format: 'uuid',
    nullable: true,
    description: 'The chunk just after the cited one (to move on by one), null at the end',
  })
  nextChunkId!: string | null;
}
