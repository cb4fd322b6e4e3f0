import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, ValidateNested } from 'class-validator';
import type { ChannelPreference, NotificationPreferences } from '../../notification.types';

export class ChannelPreferenceDto implements ChannelPreference {
  @ApiProperty({ description: 'Stored in the notification center and pushed to open sockets' })
  inApp!: boolean;

  @ApiProperty({ description: 'Sent by e-mail' })
  email!: boolean;
}

/** Both channels optional: what is left out keeps its current value. */
export class ChannelPreferenceUpdateDto implements Partial<ChannelPreference> {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  inApp?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  email?: boolean;
}

/** Every notification type with its channels (`GET/PUT /notifications/preferences`). */
export class NotificationPreferencesDto implements NotificationPreferences {
  @ApiProperty({
    type: ChannelPreferenceDto,
    description: 'A document finished; the e-mail is one summary per upload batch',
  })
  'ingestion.completed'!: ChannelPreferenceDto;

  @ApiProperty({
    type: ChannelPreferenceDto,
    description:
      'A document failed; in a batch it is listed in the summary, outside one (a later run) it is mailed at once',
  })
  'ingestion.failed'!: ChannelPreferenceDto;

  @ApiProperty({ type: ChannelPreferenceDto, description: 'Someone shared a document with you' })
  'document.shared'!: ChannelPreferenceDto;

  @ApiProperty({ type: ChannelPreferenceDto, description: 'Your password was changed or reset' })
  'security.password_changed'!: ChannelPreferenceDto;
}

/**
 * A partial update: types and channels left out keep their value; an unknown type is refused
 * (400 with a field error naming it).
 */
export class UpdateNotificationPreferencesDto {
  @ApiPropertyOptional({ type: ChannelPreferenceUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelPreferenceUpdateDto)
  'ingestion.completed'?: ChannelPreferenceUpdateDto;

  @ApiPropertyOptional({ type: ChannelPreferenceUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelPreferenceUpdateDto)
  'ingestion.failed'?: ChannelPreferenceUpdateDto;

  @ApiPropertyOptional({ type: ChannelPreferenceUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelPreferenceUpdateDto)
  'document.shared'?: ChannelPreferenceUpdateDto;

  @ApiPropertyOptional({ type: ChannelPreferenceUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelPreferenceUpdateDto)
  'security.password_changed'?: ChannelPreferenceUpdateDto;
}
