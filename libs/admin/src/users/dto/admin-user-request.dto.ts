import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto } from '@docent/common';
import { PASSWORD_MAX_CHARS, RegisterDto, type UserStatus } from '@docent/auth';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Present means validated: `null` is refused instead of being read as "leave unchanged". */
const unlessAbsent = (_object: object, value: unknown) => value !== undefined;

export const USER_STATUSES: readonly UserStatus[] = ['active', 'disabled'];
const ROLE_NAME_MAX = 48;
/** No control characters: names end up in mail headers and logs. */
const PRINTABLE = /^[^\p{Cc}\p{Cf}]+$/u;

export class ListAdminUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Case-insensitive substring of the e-mail address or the display name',
    maxLength: 100,
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ description: 'Role name', example: 'member' })
  @IsOptional()
  @IsString()
  @MaxLength(ROLE_NAME_MAX)
  role?: string;

  @ApiPropertyOptional({ enum: USER_STATUSES })
  @IsOptional()
  @IsIn(USER_STATUSES)
  status?: UserStatus;
}

/**
 * E-mail and name as sign-up takes them; the password's shape too (the policy is the service's),
 * documented here for an admin.
 */
export class CreateAdminUserDto extends PickType(RegisterDto, ['email', 'displayName'] as const) {
  @ApiProperty({
    description:
      'Same policy as sign-up: 15–128 characters by default, not a common or breached password, not derived from the e-mail',
    example: 'correct horse battery staple',
  })
  @IsString()
  @MaxLength(PASSWORD_MAX_CHARS)
  password!: string;

  @ApiProperty({
    description: 'Role name (422 `unknown_role` when there is none)',
    example: 'member',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(ROLE_NAME_MAX)
  role!: string;
}

/** At least one field (400 otherwise). E-mail and password are not changed here. */
export class UpdateAdminUserDto {
  @ApiPropertyOptional({ description: 'Role name (422 `unknown_role` when there is none)' })
  @ValidateIf(unlessAbsent)
  @IsString()
  @MinLength(1)
  @MaxLength(ROLE_NAME_MAX)
  role?: string;

  @ApiPropertyOptional({
    enum: USER_STATUSES,
    description: '`disabled` ends every session of the user at once',
  })
  @ValidateIf(unlessAbsent)
  @IsIn(USER_STATUSES)
  status?: UserStatus;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @ValidateIf(unlessAbsent)
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'displayName must not contain control characters' })
  displayName?: string;
}
