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
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
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

const PROBLEM = { description: 'RFC 9457 problem details' };
const USER_ID = new ParseUUIDPipe({ version: undefined });
const NOT_FOUND = { description: 'No such user, or one the caller may not see' };
const USER_ID_PARAM = ApiParam({ name: 'id', format: 'uuid', description: 'The user id' });

@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse(PROBLEM)
@ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After' })
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @CheckPolicies(onAnyUser('read'))
  @ApiOperation({
    summary: 'List users, newest first; `q` searches e-mail and display name',
  })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiBadRequestResponse({ description: 'Invalid filter, limit or cursor' })
  @ApiForbiddenResponse({ description: 'The role may not read users' })
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
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiForbiddenResponse({ description: 'The role may not read users' })
  @ApiNotFoundResponse(NOT_FOUND)
  @USER_ID_PARAM
  get(
    @CallerAbility() ability: AppAbility,
    @Param('id', USER_ID) id: string,
  ): Promise<AdminUserDetailDto> {
    return this.users.get(ability, id);
  }

  @Post()
  @CheckPolicies(onAnyUser('create'))
  @ApiOperation({ summary: 'Create a user with a role; the password policy applies' })
  @ApiCreatedResponse({ type: AdminUserDetailDto })
  @ApiBadRequestResponse({
    description: 'Invalid or unknown fields, or a password the policy refuses (code names why)',
  })
  @ApiForbiddenResponse({
    description:
      'The role may not create users, or may not grant the permissions of that role; `administrator_required`: only an administrator creates an administrator',
  })
  @ApiConflictResponse({ description: '`email_taken`: the e-mail address is registered' })
  @ApiUnprocessableEntityResponse({ description: '`unknown_role`: there is no such role' })
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
  @ApiBadRequestResponse({
    description: 'Invalid, unknown or no fields, or an id that is not a UUID',
  })
  @ApiForbiddenResponse({
    description:
      'The role may not change this user; `administrator_required`: only an administrator changes an administrator or gives the admin role',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  @USER_ID_PARAM
  @ApiConflictResponse({
    description:
      "`cannot_modify_self`: disabling oneself or changing one's own role; `last_admin`: it would leave no active admin",
  })
  @ApiUnprocessableEntityResponse({ description: '`unknown_role`: there is no such role' })
  update(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Param('id', USER_ID) id: string,
    @Body() body: UpdateAdminUserDto,
  ): Promise<AdminUserDetailDto> {
    return this.users.update(caller, ability, id, body);
  }

  @Post(':id/unlock')
  @HttpCode(204)
  @CheckPolicies(onAnyUser('update'))
  @ApiOperation({ summary: 'Lift the login lockout after failed sign-in attempts' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiForbiddenResponse({
    description:
      'The role may not change this user; `administrator_required`: only an administrator unlocks an administrator',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  @USER_ID_PARAM
  async unlock(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Param('id', USER_ID) id: string,
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
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiForbiddenResponse({
    description:
      'The role may not delete users; `administrator_required`: only an administrator deletes an administrator',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  @USER_ID_PARAM
  @ApiConflictResponse({
    description: '`cannot_modify_self`: deleting oneself; `last_admin`: the last active admin',
  })
  async remove(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Param('id', USER_ID) id: string,
  ): Promise<void> {
    await this.users.remove(caller, ability, id);
  }
}
