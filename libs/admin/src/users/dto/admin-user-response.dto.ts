import { ApiProperty } from '@nestjs/swagger';
import type { User } from '@docent/auth';
import { USER_STATUSES } from './admin-user-request.dto';

export class AdminUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ example: 'member' }) role!: string;
  @ApiProperty({ enum: USER_STATUSES }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(user: User): AdminUserDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role.name,
      status: user.status,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
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
