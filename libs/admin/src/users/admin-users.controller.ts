import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn, RATE_LIMITED, UuidParam } from '@docent/common';
import { type AuthUser, CurrentUser } from '@docent/auth';
import { type AppAbility, CheckPolicies, CallerAbility } from '@docent/authorization';
import { AdminUsersService } from './admin-users.service';
import { onAnyUser } from './user-policies';
import {
  CreateAdminUserDto,
  ListAdminUsersQueryDto,
  UpdateAdminUserDto,
} from './dto/admin-user-request.dto';
import { AdminUserDetailDto, AdminUserPageDto } from './dto/admin-user-response.dto';

const NOT_FOUND = 'No such user, or one the caller may not see';

@ApiSignedIn('admin', { 429: RATE_LIMITED })
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @CheckPolicies(onAnyUser('read'))
  @ApiOperation({
    summary: 'List users, newest first; `q` searches e-mail and display name',
  })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiProblemResponses({
    400: 'Invalid filter, limit or cursor',
    403: 'The role may not read users',
  })
  list(
    @CallerAbility() ability: AppAbility,
    @Query() query: ListAdminUsersQueryDto,
  ): Promise<AdminUserPageDto> {
    return this.users.list(ability, query);
  }

  @Get(':id')
  @CheckPolicies(onAnyUser('read'))
  @ApiOperation({ summary: 'One user, with their login lockout and live session count' })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiProblemResponses({
    400: 'The id is not a UUID',
    403: 'The role may not read users',
    404: NOT_FOUND,
  })
  get(
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The user id') id: string,
  ): Promise<AdminUserDetailDto> {
    return this.users.get(ability, id);
  }

  @Post()
  @CheckPolicies(onAnyUser('create'))
  @ApiOperation({ summary: 'Create a user with a role; the password policy applies' })
  @ApiCreatedResponse({ type: AdminUserDetailDto })
  @ApiProblemResponses({
    400: 'Invalid or unknown fields, or a password the policy refuses (code names why)',
    403: 'The role may not create users, or may not grant the permissions of that role; `administrator_required`: only an administrator creates an administrator',
    409: '`email_taken`: the e-mail address is registered',
    422: '`unknown_role`: there is no such role',
  })
  create(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Body() body: CreateAdminUserDto,
  ): Promise<AdminUserDetailDto> {
    return this.users.create(caller, ability, body);
  }

  @Patch(':id')
  @CheckPolicies(onAnyUser('update'))
  @ApiOperation({
    summary: 'Change role, status or display name (disabling ends every session at once)',
  })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiProblemResponses({
    400: 'Invalid, unknown or no fields, or an id that is not a UUID',
    403: 'The role may not change this user; `administrator_required`: only an administrator changes an administrator or gives the admin role',
    404: NOT_FOUND,
  })
  @ApiProblemResponses({
    409: "`cannot_modify_self`: disabling oneself or changing one's own role; `last_admin`: it would leave no active admin",
    422: '`unknown_role`: there is no such role',
  })
  update(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The user id') id: string,
    @Body() body: UpdateAdminUserDto,
  ): Promise<AdminUserDetailDto> {
    return this.users.update(caller, ability, id, body);
  }

  @Post(':id/unlock')
  @HttpCode(204)
  @CheckPolicies(onAnyUser('update'))
  @ApiOperation({ summary: 'Lift the login lockout after failed sign-in attempts' })
  @ApiNoContentResponse()
  @ApiProblemResponses({
    400: 'The id is not a UUID',
    403: 'The role may not change this user; `administrator_required`: only an administrator unlocks an administrator',
    404: NOT_FOUND,
  })
  async unlock(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The user id') id: string,
  ): Promise<void> {
    await this.users.unlock(caller, ability, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicies(onAnyUser('delete'))
  @ApiOperation({
    summary: 'Delete a user and their data; their tokens stop working at once (audit log kept)',
  })
  @ApiNoContentResponse()
  @ApiProblemResponses({
    400: 'The id is not a UUID',
    403: 'The role may not delete users; `administrator_required`: only an administrator deletes an administrator',
    404: NOT_FOUND,
  })
  @ApiProblemResponses({
    409: '`cannot_modify_self`: deleting oneself; `last_admin`: the last active admin',
  })
  async remove(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The user id') id: string,
  ): Promise<void> {
    await this.users.remove(caller, ability, id);
  }
}
