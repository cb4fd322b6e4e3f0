import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Session } from '../entities/session.entity';
import type { User } from '../entities/user.entity';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ example: 'member' }) role!: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(user: User): UserDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role.name,
      status: user.status,
      createdAt: user.createdAt.toISOString(),
    };
  }
}

export class AuthTokensDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'JWT for the Authorization: Bearer header' }) accessToken!: string;
  @ApiProperty({
    required: false,
    description:
      'Opaque; rotated on every refresh. Left out in the cookie flow ' +
      '(X-Refresh-Token-Transport: cookie), where it travels in an httpOnly cookie instead',
  })
  refreshToken!: string;
  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expiresIn!: number;
}

export class PermissionRuleDto {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  action!: string | string[];
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  subject!: string | string[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) conditions?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: [String] }) fields?: string[];
  @ApiPropertyOptional() inverted?: boolean;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ type: [PermissionRuleDto], description: "The caller's CASL rules" })
  permissions!: PermissionRuleDto[];
  @ApiProperty({
    description: 'The same rules packed for transport (`unpackRules` from @casl/ability/extra)',
    type: 'array',
    items: { type: 'array', items: {} },
  })
  packedRules!: unknown[][];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastUsedAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ description: 'The session the calling access token belongs to' })
  current!: boolean;

  static from(session: Session, currentSessionId: string): SessionDto {
    return {
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      expiresAt: (session.idleExpiresAt < session.absoluteExpiresAt
        ? session.idleExpiresAt
        : session.absoluteExpiresAt
      ).toISOString(),
      ip: session.ip,
      userAgent: session.userAgent,
      current: session.id === currentSessionId,
    };
  }
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) items!: SessionDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Always null: every active session fits one page',
  })
  nextCursor!: string | null;
}
