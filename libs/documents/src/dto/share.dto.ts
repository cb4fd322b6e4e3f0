import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsUUID, MaxLength } from 'class-validator';
import type { DocumentShare, SharePermission } from '../entities/document-share.entity';

export const SHARE_PERMISSIONS: readonly SharePermission[] = ['read', 'write'];

/** `POST /documents/:id/shares`: exactly one of `userId` and `email`. */
export class CreateShareDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The user to share with (or `email`)' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ format: 'email', description: 'The user to share with (or `userId`)' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @IsEmail()
  @MaxLength(320)
  email?: string;

  @ApiProperty({ enum: SHARE_PERMISSIONS })
  @IsIn([...SHARE_PERMISSIONS])
  permission!: SharePermission;
}

/** A share as clients see it (SPEC §6). */
export class ShareDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty()
  displayName!: string;

  @ApiProperty({ enum: SHARE_PERMISSIONS })
  permission!: SharePermission;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  /** `share.user` must be loaded. */
  static from(share: DocumentShare): ShareDto {
    return {
      userId: share.user.id,
      email: share.user.email,
      displayName: share.user.displayName,
      permission: share.permission,
      createdAt: share.createdAt.toISOString(),
    };
  }
}

export class ShareListDto {
  @ApiProperty({ type: [ShareDto] })
  items!: ShareDto[];
}

/**
 * The answer to a share by e-mail (202), the same whether or not the address has an account:
 * the address as understood (trimmed, lower case) and the permission asked for.
 */
export class ShareRequestedDto {
  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty({ enum: SHARE_PERMISSIONS })
  permission!: SharePermission;
}
