import { ApiProperty } from '@nestjs/swagger';
import { type User, UserDto } from '@docent/auth';

/** A user as an admin lists them: the user as they see themselves, and when it last changed. */
export class AdminUserDto extends UserDto {
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static override from(user: User): AdminUserDto {
    return { ...UserDto.from(user), updatedAt: user.updatedAt.toISOString() };
  }
}

/** One user as an admin sees them: with their sign-in lockout and live sessions. */
export class AdminUserDetailDto extends AdminUserDto {
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the login lockout after failed attempts lifts; null when not locked',
  })
  lockedUntil!: string | null;

  @ApiProperty({ description: 'Sessions that can still be refreshed', example: 1 })
  activeSessions!: number;
}

export class AdminUserPageDto {
  @ApiProperty({ type: [AdminUserDto] }) items!: AdminUserDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
