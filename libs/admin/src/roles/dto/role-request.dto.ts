import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ACTIONS, SUBJECTS } from '@docent/authorization';

/** The same rule as the `roles_name_check` constraint in PostgreSQL. */
export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{1,47}$/;
const ROLE_NAME_MESSAGE =
  'name must be 2–48 characters: a lower-case letter, then lower-case letters, digits, "_" or "-"';
/** No control or format characters (descriptions end up in logs and UIs); line breaks are fine. */
const DESCRIPTION_PATTERN = /^(?:[^\p{Cc}\p{Cf}]|[\n\t])*$/u;
export const DESCRIPTION_MAX = 500;
/** More entries than the catalogue has can only contain duplicates. */
export const PERMISSIONS_MAX = 100;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Present (even null) means "validate it": null is never a valid value here. */
const present = (_object: object, value: unknown) => value !== undefined;

/**
 * A role's description, as both bodies validate it (trimmed; absent keeps it, null is refused).
 * Listed bottom-up, the order stacked decorators run in, so the errors keep their order.
 */
function DescriptionRules(): PropertyDecorator {
  return applyDecorators(
    Matches(DESCRIPTION_PATTERN, { message: 'description must not contain control characters' }),
    MaxLength(DESCRIPTION_MAX),
    IsString(),
    Transform(trim),
    ValidateIf(present),
  );
}

export class RolePermissionInputDto {
  @ApiProperty({ enum: ACTIONS, example: 'read' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  action!: string;

  @ApiProperty({ enum: SUBJECTS, example: 'Document' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  subject!: string;

  @ApiPropertyOptional({
    default: false,
    description:
      "Limit the permission to the user's own records (only for catalogue entries with `ownable: true`)",
  })
  @IsOptional()
  @IsBoolean()
  own?: boolean;
}

export class CreateRoleDto {
  @ApiProperty({ example: 'auditor', pattern: ROLE_NAME_PATTERN.source })
  @IsString()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  name!: string;

  @ApiPropertyOptional({ example: 'Reads the audit log', maxLength: DESCRIPTION_MAX, default: '' })
  @DescriptionRules()
  description?: string;

  @ApiProperty({
    type: [RolePermissionInputDto],
    maxItems: PERMISSIONS_MAX,
    description: 'Entries of the catalogue (GET /admin/permissions), each (action, subject) once',
  })
  @IsArray()
  @ArrayMaxSize(PERMISSIONS_MAX)
  @ValidateNested({ each: true })
  @Type(() => RolePermissionInputDto)
  permissions!: RolePermissionInputDto[];
}

/** Every field optional; `null` is refused. Built-in roles accept only `description`. */
export class UpdateRoleDto {
  @ApiPropertyOptional({
    example: 'auditor',
    pattern: ROLE_NAME_PATTERN.source,
    description: 'Custom roles only',
  })
  @ValidateIf(present)
  @IsString()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ maxLength: DESCRIPTION_MAX })
  @DescriptionRules()
  description?: string;

  @ApiPropertyOptional({
    type: [RolePermissionInputDto],
    maxItems: PERMISSIONS_MAX,
    description: 'Replaces every permission of the role (custom roles only)',
  })
  @ValidateIf(present)
  @IsArray()
  @ArrayMaxSize(PERMISSIONS_MAX)
  @ValidateNested({ each: true })
  @Type(() => RolePermissionInputDto)
  permissions?: RolePermissionInputDto[];
}
