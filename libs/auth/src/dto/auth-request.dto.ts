import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Passwords are checked against the policy in the service; here only their shape and an upper bound. */
export const PASSWORD_MAX_CHARS = 1024;

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({
    description: '15–128 characters by default; no composition rules',
    example: 'correct horse battery staple',
  })
  @IsString()
  @MaxLength(PASSWORD_MAX_CHARS)
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  // no control characters: names end up in mail headers and logs
  @Matches(/^[^\p{Cc}\p{Cf}]+$/u, { message: 'displayName must not contain control characters' })
  displayName!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(PASSWORD_MAX_CHARS)
  password!: string;
}

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token from the last sign-in or refresh' })
  @IsString()
  @MaxLength(256)
  refreshToken!: string;
}

/**
 * `refresh` and `logout`: the token in the body (the JSON flow), or, for a browser in the cookie
 * flow (`X-Refresh-Token-Transport: cookie`), from the httpOnly cookie when the body has none.
 */
export class OptionalRefreshTokenDto {
  @ApiPropertyOptional({
    description:
      'The refresh token from the last sign-in or refresh; required unless the request uses the ' +
      'cookie flow (header X-Refresh-Token-Transport: cookie)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  refreshToken?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_CHARS)
  currentPassword!: string;

  @ApiProperty({ description: '15–128 characters by default; no composition rules' })
  @IsString()
  @MaxLength(PASSWORD_MAX_CHARS)
  newPassword!: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(trim)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(254)
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the reset link' })
  @IsString()
  @MaxLength(256)
  token!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_CHARS)
  newPassword!: string;
}
