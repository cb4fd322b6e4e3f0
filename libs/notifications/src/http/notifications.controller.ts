import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '@docent/auth';
import { CheckPolicies } from '@docent/authorization';
import { NotificationPreferencesService } from '../notification-preferences.service';
import { NotificationsService } from '../notifications.service';
import {
  ListNotificationsQueryDto,
  NotificationDto,
  NotificationPageDto,
  ReadAllResultDto,
  UnreadCountDto,
} from '../dto/notification.dto';
import {
  NotificationPreferencesDto,
  UpdateNotificationPreferencesDto,
} from '../dto/preferences.dto';

const PROBLEM = { description: 'RFC 9457 problem details' };
const NOTIFICATION_ID = new ParseUUIDPipe({ version: undefined });
const NOT_FOUND = { description: 'No such notification among yours' };
const NOTIFICATION_ID_PARAM = ApiParam({
  name: 'id',
  format: 'uuid',
  description: 'The notification id',
});
const FORBIDDEN = { description: 'The role has no notification center' };

/**
 * The caller's notification center (SPEC §8). Always the caller's own notifications: another
 * user's notification id answers 404, whatever the role.
 */
@ApiTags('notifications')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse(PROBLEM)
@ApiForbiddenResponse(FORBIDDEN)
@ApiTooManyRequestsResponse({ description: 'Rate limited; see Retry-After' })
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly preferences: NotificationPreferencesService,
  ) {}

  @Get()
  @CheckPolicies((ability) => ability.can('read', 'Notification'))
  @ApiOperation({ summary: 'Your notifications, newest first (`?unread=true` for unread only)' })
  @ApiOkResponse({ type: NotificationPageDto })
  @ApiBadRequestResponse({ description: 'Invalid unread, limit or cursor' })
  list(
    @CurrentUser() caller: AuthUser,
    @Query() query: ListNotificationsQueryDto,
  ): Promise<NotificationPageDto> {
    return this.notifications.list(caller.id, query);
  }

  @Get('unread-count')
  @CheckPolicies((ability) => ability.can('read', 'Notification'))
  @ApiOperation({
    summary: 'How many of your notifications are unread (cached, exact after changes)',
  })
  @ApiOkResponse({ type: UnreadCountDto })
  async unreadCount(@CurrentUser() caller: AuthUser): Promise<UnreadCountDto> {
    return { count: await this.notifications.unreadCount(caller.id) };
  }

  @Get('preferences')
  @CheckPolicies((ability) => ability.can('read', 'Notification'))
  @ApiOperation({
    summary: 'Your channels (in-app, e-mail) for every notification type, defaults included',
  })
  @ApiOkResponse({ type: NotificationPreferencesDto })
  getPreferences(@CurrentUser() caller: AuthUser): Promise<NotificationPreferencesDto> {
    return this.preferences.get(caller.id);
  }

  @Put('preferences')
  @CheckPolicies((ability) => ability.can('update', 'Notification'))
  @ApiOperation({
    summary: 'Change your channels; a partial body merges (what is left out keeps its value)',
    description:
      'Body `{<type>: {inApp?: boolean, email?: boolean}, …}`. Unknown types or channels answer ' +
      '400 with a field error for each. Security notices (`security.password_changed`, ' +
      '`security.new_sign_in`) are always on: `false` for them answers 400 with a field error ' +
      '(`true` is accepted and changes nothing). Answers the full preferences. Changes are audited.',
  })
  @ApiOkResponse({ type: NotificationPreferencesDto })
  @ApiBadRequestResponse({
    description:
      'Unknown type or channel, a value that is not boolean, or a security notice turned off',
  })
  putPreferences(
    @CurrentUser() caller: AuthUser,
    @Body() body: UpdateNotificationPreferencesDto,
  ): Promise<NotificationPreferencesDto> {
    return this.preferences.update(caller.id, body);
  }

  @Post('read-all')
  @HttpCode(200)
  @CheckPolicies((ability) => ability.can('update', 'Notification'))
  @ApiOperation({ summary: 'Mark all your notifications read' })
  @ApiOkResponse({ type: ReadAllResultDto })
  async readAll(@CurrentUser() caller: AuthUser): Promise<ReadAllResultDto> {
    return { updated: await this.notifications.markAllRead(caller.id) };
  }

  @Post(':id/read')
  @HttpCode(200)
  @CheckPolicies((ability) => ability.can('update', 'Notification'))
  @ApiOperation({
    summary: 'Mark one notification read (idempotent: a second call keeps the first readAt)',
  })
  @ApiOkResponse({ type: NotificationDto, description: 'The notification, now read' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse(NOT_FOUND)
  @NOTIFICATION_ID_PARAM
  read(
    @CurrentUser() caller: AuthUser,
    @Param('id', NOTIFICATION_ID) id: string,
  ): Promise<NotificationDto> {
    return this.notifications.markRead(caller.id, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicies((ability) => ability.can('delete', 'Notification'))
  @ApiOperation({ summary: 'Delete one of your notifications' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse(NOT_FOUND)
  @NOTIFICATION_ID_PARAM
  async remove(
    @CurrentUser() caller: AuthUser,
    @Param('id', NOTIFICATION_ID) id: string,
  ): Promise<void> {
    await this.notifications.remove(caller.id, id);
  }
}
