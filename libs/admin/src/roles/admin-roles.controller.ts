import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '@docent/auth';
import { type AppAbility, CheckPolicies, CallerAbility } from '@docent/authorization';
import { PageQueryDto } from '@docent/common';
import { AdminRolesService } from './admin-roles.service';
import { CreateRoleDto, UpdateRoleDto } from './dto/role-request.dto';
import { PermissionCatalogueDto, RoleDto, RoleListDto } from './dto/role-response.dto';

const PROBLEM = 'RFC 9457 problem details';
const ID_PIPE = new ParseUUIDPipe({ version: undefined });
const UNAUTHENTICATED = { description: `${PROBLEM}: missing, invalid or expired access token` };
const NOT_FOUND = { description: `${PROBLEM}, code role_not_found` };
const BAD_ID = { description: `${PROBLEM}: the id is not a UUID` };
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
@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse(UNAUTHENTICATED)
@ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After' })
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
  @ApiForbiddenResponse({ description: `${PROBLEM}: the caller may not read roles` })
  catalogue(): PermissionCatalogueDto {
    return this.roles.catalogue();
  }
}

/** `/admin/roles`: built-in and custom roles and their permissions. */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse(UNAUTHENTICATED)
@ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After' })
@Controller('admin/roles')
export class AdminRolesController {
  constructor(private readonly roles: AdminRolesService) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'Role'))
  @ApiOperation({ summary: 'List roles: built-in first, then by name' })
  @ApiOkResponse({ type: RoleListDto })
  @ApiBadRequestResponse({ description: `${PROBLEM}: invalid limit or cursor` })
  @ApiForbiddenResponse({ description: `${PROBLEM}: the caller may not read roles` })
  list(@Query() query: PageQueryDto): Promise<RoleListDto> {
    return this.roles.list(query);
  }

  @Get(':id')
  @CheckPolicies((ability) => ability.can('read', 'Role'))
  @ApiOperation({ summary: 'One role with its permissions and stored rules' })
  @ApiOkResponse({ type: RoleDto })
  @ApiBadRequestResponse(BAD_ID)
  @ApiForbiddenResponse({ description: `${PROBLEM}: the caller may not read roles` })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id', ID_PIPE) id: string): Promise<RoleDto> {
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
  @ApiBadRequestResponse({
    description: `${PROBLEM}: code validation_failed (bad name or fields, unknown fields) or duplicate_permission`,
  })
  @ApiForbiddenResponse(FORBIDDEN_GRANT)
  @ApiConflictResponse({ description: `${PROBLEM}, code role_name_taken` })
  @ApiUnprocessableEntityResponse(PERMISSION_ERRORS)
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
  @ApiBadRequestResponse({
    description: `${PROBLEM}: code validation_failed (bad id, name or fields, unknown fields) or duplicate_permission`,
  })
  @ApiForbiddenResponse(FORBIDDEN_GRANT)
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({
    description: `${PROBLEM}: code builtin_role (renaming a built-in role or changing its permissions) or role_name_taken`,
  })
  @ApiUnprocessableEntityResponse(PERMISSION_ERRORS)
  update(
    @Param('id', ID_PIPE) id: string,
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
  @ApiBadRequestResponse(BAD_ID)
  @ApiForbiddenResponse({ description: `${PROBLEM}: the caller may not delete roles` })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({
    description: `${PROBLEM}: code builtin_role, or role_in_use (with \`userCount\`: move those users to another role first)`,
  })
  async remove(@Param('id', ID_PIPE) id: string): Promise<void> {
    await this.roles.remove(id);
  }
}
