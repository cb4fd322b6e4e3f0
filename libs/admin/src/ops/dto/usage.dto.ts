import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

export const USAGE_GROUPINGS = ['day', 'week', 'month'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class UsageQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date',
    example: '2026-11-01',
    description: 'First UTC day of the window (inclusive); default: 29 days before `to`',
  })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a calendar date such as 2026-11-01' })
  from?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date',
    example: '2026-11-30',
    description: 'Last UTC day of the window (inclusive); default: today',
  })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a calendar date such as 2026-11-30' })
  to?: string;

  @ApiPropertyOptional({
    enum: USAGE_GROUPINGS,
    default: 'day',
    description: 'Length of each period of `series`; weeks start on Monday',
  })
  @IsOptional()
  @IsIn(USAGE_GROUPINGS, { message: 'groupBy must be one of day, week, month' })
  groupBy?: UsageGrouping;
}

/** The per-feature counters, summed over a period, a user or the whole window. */
export class UsageCountersDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Password sign-ins and sign-ups' })
  signIns!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Files accepted for ingestion' })
  uploads!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Bytes of those files' })
  bytesIngested!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Chat questions answered' })
  questions!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tokens of those answers' })
  answerTokens!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Searches inside the documents' })
  searches!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Conversations exported' })
  exports!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Documents shared (or a share changed)',
  })
  shares!: number;
}

export class UsageTotalsDto extends UsageCountersDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Distinct people who used any feature in the window',
  })
  activeUsers!: number;
}

export class UsagePeriodDto extends UsageTotalsDto {
  @ApiProperty({
    format: 'date',
    example: '2026-11-02',
    description: 'First day of the period (a Monday for weeks, the 1st for months)',
  })
  period!: string;
}

export class ActiveUsersDto {
  @ApiProperty({ format: 'date', description: 'The day the three figures end on (`to`)' })
  asOf!: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Active on `asOf` (DAU)' })
  daily!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Active in the 7 days to `asOf` (WAU)' })
  weekly!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Active in the 30 days to `asOf` (MAU)',
  })
  monthly!: number;
}

export class UsageTopUserDto extends UsageCountersDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ description: 'The display name (analytics never carry e-mail addresses)' })
  displayName!: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Days with any activity' })
  activeDays!: number;
}

export class UsageFailureDto {
  @ApiProperty({ example: 'no_extractable_text' }) code!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) count!: number;
}

export class UsageReportDto {
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
  @ApiProperty({ enum: USAGE_GROUPINGS }) groupBy!: UsageGrouping;
  @ApiProperty({ type: UsageTotalsDto }) totals!: UsageTotalsDto;
  @ApiProperty({
    type: [UsagePeriodDto],
    description: 'One entry per period of the window, oldest first, periods without use as 0',
  })
  series!: UsagePeriodDto[];
  @ApiProperty({ type: ActiveUsersDto }) activeUsers!: ActiveUsersDto;
  @ApiProperty({
    type: [UsageTopUserDto],
    description:
      'The 10 most active people in the window (by actions: sign-ins, uploads, questions, searches, exports, shares)',
  })
  topUsers!: UsageTopUserDto[];
  @ApiProperty({
    type: [UsageFailureDto],
    description: 'Documents that failed ingestion in the window, per error code',
  })
  failuresByCode!: UsageFailureDto[];
  @ApiProperty({ format: 'date-time' }) generatedAt!: string;
}
