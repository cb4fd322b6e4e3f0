import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsObject, IsOptional, ValidateNested } from 'class-validator';
import type { ChannelPreference, NotificationPreferences } from '../notification.types';

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

const ALWAYS_ON = 'security notices cannot be turned off';

/**
 * A security notice's channels: they are always on, so only `true` (a no-op) is accepted and
 * `false` is refused with a field error.
 */
export class AlwaysOnChannelUpdateDto implements Partial<ChannelPreference> {
  @ApiPropertyOptional({ enum: [true], description: 'Always on: `false` is refused (400)' })
  @IsOptional()
  @IsBoolean()
  @Equals(true, { message: ALWAYS_ON })
  inApp?: boolean;

  @ApiPropertyOptional({ enum: [true], description: 'Always on: `false` is refused (400)' })
  @IsOptional()
  @IsBoolean()
  @Equals(true, { message: ALWAYS_ON })
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

  @ApiProperty({
    type: ChannelPreferenceDto,
    description: 'Your password was changed or reset (security notice: always on)',
  })
  'security.password_changed'!: ChannelPreferenceDto;

  @ApiProperty({
    type: ChannelPreferenceDto,
    description:
      'A sign-in from a device or network you have not used recently, with its time, IP address ' +
      'and browser (security notice: always on; never for the first sign-in of an account)',
  })
  'security.new_sign_in'!: ChannelPreferenceDto;
}

/**
 * A partial update: types and channels left out keep their value; an unknown type is refused
 * (400 with a field error naming it), and so is turning a security notice off.
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

  @ApiPropertyOptional({ type: AlwaysOnChannelUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AlwaysOnChannelUpdateDto)
  'security.password_changed'?: AlwaysOnChannelUpdateDto;

  @ApiPropertyOptional({ type: AlwaysOnChannelUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AlwaysOnChannelUpdateDto)
  'security.new_sign_in'?: AlwaysOnChannelUpdateDto;
}
