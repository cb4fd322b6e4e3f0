import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblemResponses, ApiSignedIn, RATE_LIMITED, UuidParam } from '@docent/common';
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

const NOT_FOUND = 'No such notification among yours';
const FORBIDDEN = 'The role has no notification center';

/**
 * The caller's notification center (SPEC §8). Always the caller's own notifications: another
 * user's notification id answers 404, whatever the role.
 */
@ApiSignedIn('notifications', { 403: FORBIDDEN, 429: RATE_LIMITED })
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
  @ApiProblemResponses({ 400: 'Invalid unread, limit or cursor' })
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
  @ApiProblemResponses({
    400: 'Unknown type or channel, a value that is not boolean, or a security notice turned off',
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
  @ApiProblemResponses({ 400: 'The id is not a UUID', 404: NOT_FOUND })
  read(
    @CurrentUser() caller: AuthUser,
    @UuidParam('id', 'The notification id') id: string,
  ): Promise<NotificationDto> {
    return this.notifications.markRead(caller.id, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicies((ability) => ability.can('delete', 'Notification'))
  @ApiOperation({ summary: 'Delete one of your notifications' })
  @ApiNoContentResponse()
  @ApiProblemResponses({ 400: 'The id is not a UUID', 404: NOT_FOUND })
  async remove(
    @CurrentUser() caller: AuthUser,
    @UuidParam('id', 'The notification id') id: string,
  ): Promise<void> {
    await this.notifications.remove(caller.id, id);
  }
}
