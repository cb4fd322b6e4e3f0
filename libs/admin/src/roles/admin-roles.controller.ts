import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '@docent/auth';
import { type AppAbility, CheckPolicies, CallerAbility } from '@docent/authorization';
import {
  ApiProblemResponses,
  ApiSignedIn,
  PageQueryDto,
  RATE_LIMITED,
  UuidParam,
} from '@docent/common';
import { AdminRolesService } from './admin-roles.service';
import { CreateRoleDto, UpdateRoleDto } from './dto/role-request.dto';
import { PermissionCatalogueDto, RoleDto, RoleListDto } from './dto/role-response.dto';

const PROBLEM = 'RFC 9457 problem details';
const UNAUTHENTICATED = `${PROBLEM}: missing, invalid or expired access token`;
const NOT_FOUND = `${PROBLEM}, code role_not_found`;
const BAD_ID = `${PROBLEM}: the id is not a UUID`;
const PERMISSION_ERRORS = {
  description:
    `${PROBLEM}: code unknown_permission (an entry is not in the catalogue) or ` +
    "permission_not_ownable (own: true on an entry that cannot be limited to the user's own " +
    'records); `errors[].field` names the entry as `permissions.N`',
};
const FORBIDDEN_GRANT = {
  description:
    `${PROBLEM}: code forbidden (the caller's role may not do this) or ` +
    'permission_not_grantable (a permission the caller does not hold themselves)',
};

/** `GET /admin/permissions`: what custom roles can be made of. */
@ApiSignedIn('admin', { 401: UNAUTHENTICATED, 429: RATE_LIMITED })
@Controller('admin')
export class AdminPermissionsController {
  constructor(private readonly roles: AdminRolesService) {}

  @Get('permissions')
  @CheckPolicies((ability) => ability.can('read', 'Role'))
  @ApiOperation({
    summary: 'The permission catalogue',
    description:
      'Every (action, subject) a custom role may hold, and whether it can be limited to the ' +
      "user's own records. The whole catalogue is one page.",
  })
  @ApiOkResponse({ type: PermissionCatalogueDto })
  @ApiProblemResponses({ 403: `${PROBLEM}: the caller may not read roles` })
  catalogue(): PermissionCatalogueDto {
    return this.roles.catalogue();
  }
}

/** `/admin/roles`: built-in and custom roles and their permissions. */
@ApiSignedIn('admin', { 401: UNAUTHENTICATED, 429: RATE_LIMITED })
@Controller('admin/roles')
export class AdminRolesController {
  constructor(private readonly roles: AdminRolesService) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'Role'))
  @ApiOperation({ summary: 'List roles: built-in first, then by name' })
  @ApiOkResponse({ type: RoleListDto })
  @ApiProblemResponses({
    400: `${PROBLEM}: invalid limit or cursor`,
    403: `${PROBLEM}: the caller may not read roles`,
  })
  list(@Query() query: PageQueryDto): Promise<RoleListDto> {
    return this.roles.list(query);
  }

  @Get(':id')
  @CheckPolicies((ability) => ability.can('read', 'Role'))
  @ApiOperation({ summary: 'One role with its permissions and stored rules' })
  @ApiOkResponse({ type: RoleDto })
  @ApiProblemResponses({
    400: BAD_ID,
    403: `${PROBLEM}: the caller may not read roles`,
    404: NOT_FOUND,
  })
  get(@UuidParam('id') id: string): Promise<RoleDto> {
    return this.roles.get(id);
  }

  @Post()
  @CheckPolicies((ability) => ability.can('create', 'Role'))
  @ApiOperation({
    summary: 'Create a custom role from catalogue permissions',
    description:
      'Each (action, subject) at most once; `own: true` only where the catalogue says ' +
      '`ownable`. The caller can only grant permissions they hold themselves.',
  })
  @ApiCreatedResponse({ type: RoleDto })
  @ApiProblemResponses({
    400: `${PROBLEM}: code validation_failed (bad name or fields, unknown fields) or duplicate_permission`,
    403: FORBIDDEN_GRANT,
    409: `${PROBLEM}, code role_name_taken`,
    422: PERMISSION_ERRORS,
  })
  create(
    @Body() body: CreateRoleDto,
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
  ): Promise<RoleDto> {
    return this.roles.create(body, { id: caller.id, ability });
  }

  @Patch(':id')
  @CheckPolicies((ability) => ability.can('update', 'Role'))
  @ApiOperation({
    summary: 'Rename a custom role, change its description or replace its permissions',
    description:
      'Built-in roles (admin, member, viewer) accept only a new description: they cannot be ' +
      'renamed and their permissions are read-only (409 builtin_role), so the built-in matrix ' +
      'stays as shipped. Users of the role get the new permissions on their next request.',
  })
  @ApiOkResponse({ type: RoleDto })
  @ApiProblemResponses({
    400: `${PROBLEM}: code validation_failed (bad id, name or fields, unknown fields) or duplicate_permission`,
    403: FORBIDDEN_GRANT,
    404: NOT_FOUND,
    409: `${PROBLEM}: code builtin_role (renaming a built-in role or changing its permissions) or role_name_taken`,
    422: PERMISSION_ERRORS,
  })
  update(
    @UuidParam('id') id: string,
    @Body() body: UpdateRoleDto,
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
  ): Promise<RoleDto> {
    return this.roles.update(id, body, { id: caller.id, ability });
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicies((ability) => ability.can('delete', 'Role'))
  @ApiOperation({ summary: 'Delete a custom role that no user holds' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses({
    400: BAD_ID,
    403: `${PROBLEM}: the caller may not delete roles`,
    404: NOT_FOUND,
    409: `${PROBLEM}: code builtin_role, or role_in_use (with \`userCount\`: move those users to another role first)`,
  })
  async remove(@UuidParam('id') id: string): Promise<void> {
    await this.roles.remove(id);
  }
}
