import { ApiProperty } from '@nestjs/swagger';
import {
  ACTIONS,
  type CatalogueEntry,
  type RolePermission,
  type StoredRule,
  SUBJECTS,
  storedRule,
} from '@docent/authorization';
import type { Role } from '@docent/auth';
import { permissionsOf } from '../role-permissions';

export class PermissionCatalogueEntryDto {
  @ApiProperty({ enum: ACTIONS }) action!: string;
  @ApiProperty({ enum: SUBJECTS }) subject!: string;
  @ApiProperty({ description: "Whether the permission can be limited to the user's own records" })
  ownable!: boolean;

  static from(entry: CatalogueEntry): PermissionCatalogueEntryDto {
    return { action: entry.action, subject: entry.subject, ownable: entry.ownable };
  }
}

export class PermissionCatalogueDto {
  @ApiProperty({ type: [PermissionCatalogueEntryDto] }) items!: PermissionCatalogueEntryDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Always null: the whole catalogue fits one page',
  })
  nextCursor!: null;
}

export class RolePermissionDto {
  @ApiProperty({ enum: ACTIONS }) action!: string;
  @ApiProperty({ enum: SUBJECTS }) subject!: string;
  @ApiProperty({ description: "Limited to the user's own records" }) own!: boolean;
}

/** A stored CASL rule, as the ability factory reads it (`${user.id}` stands for the caller). */
export class RoleRuleDto implements StoredRule {
  @ApiProperty() action!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() own!: boolean;
  @ApiProperty({ description: 'A "cannot" rule' }) inverted!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  conditions!: Record<string, unknown> | null;
  @ApiProperty({ type: [String], nullable: true }) fields!: string[] | null;
}

export class RoleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'auditor' }) name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'admin, member and viewer: cannot be renamed, edited or deleted' })
  builtIn!: boolean;
  @ApiProperty({
    type: [RolePermissionDto],
    description:
      'The role as catalogue permissions. Built-in rules that no catalogue entry can express ' +
      '(inverted or conditional) appear only in `rules`.',
  })
  permissions!: RolePermissionDto[];
  @ApiProperty({
    type: [RoleRuleDto],
    description: 'Read-only: every stored rule of the role, in evaluation order',
  })
  rules!: RoleRuleDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(role: Role, rows: readonly RolePermission[]): RoleDto {
    const rules: RoleRuleDto[] = rows.map(storedRule);
    return {
      id: role.id,
      name: role.name,
      description: role.description,
      builtIn: role.builtIn,
      permissions: permissionsOf(rules),
      rules,
      createdAt: role.createdAt.toISOString(),
      updatedAt: role.updatedAt.toISOString(),
    };
  }
}

export class RoleListDto {
  @ApiProperty({ type: [RoleDto] }) items!: RoleDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
