import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuditService } from '@docent/audit';
import { NotificationPreference } from './entities/notification-preference.entity';
import {
  type ChannelPreference,
  DEFAULT_PREFERENCES,
  isAlwaysOn,
  isNotificationType,
  NOTIFICATION_TYPES,
  type NotificationPreferences,
  type NotificationType,
} from './notification.types';

export type PreferencesPatch = Partial<Record<NotificationType, Partial<ChannelPreference>>>;

function defaults(): NotificationPreferences {
  return Object.fromEntries(
    NOTIFICATION_TYPES.map((type) => [type, { ...DEFAULT_PREFERENCES[type] }]),
  ) as NotificationPreferences;
}

/** Per-user, per-type channel preferences: stored overrides merged over the defaults. */
@Injectable()
export class NotificationPreferencesService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
  ) {}

  /** The full preferences of a user (every type; security notices always on). */
  async get(userId: string): Promise<NotificationPreferences> {
    const rows = await this.em.fork().find(NotificationPreference, { user: userId });
    const result = defaults();
    for (const row of rows) {
      if (isNotificationType(row.type) && !isAlwaysOn(row.type)) {
        result[row.type] = { inApp: row.inApp, email: row.email };
      }
    }
    return result;
  }

  /** One type's preference (a security notice's is always on, whatever is stored). */
  async forType(userId: string, type: NotificationType): Promise<ChannelPreference> {
    if (isAlwaysOn(type)) return { ...DEFAULT_PREFERENCES[type] };
    const row = await this.em.fork().findOne(NotificationPreference, { user: userId, type });
    return row ? { inApp: row.inApp, email: row.email } : { ...DEFAULT_PREFERENCES[type] };
  }

  /**
   * Merges a partial update (types and channels left out keep their value; security notices stay
   * on), audits what changed and returns the full preferences. Each type is one atomic upsert, so concurrent updates of
   * different channels do not overwrite each other.
   */
  async update(userId: string, patch: PreferencesPatch): Promise<NotificationPreferences> {
    const before = await this.get(userId);
    const em = this.em.fork();
    const changes: Record<string, { before: ChannelPreference; after: ChannelPreference }> = {};
    for (const type of NOTIFICATION_TYPES) {
      const change = patch[type];
      if (!change || (change.inApp === undefined && change.email === undefined)) continue;
      // nothing to store: the request validation refuses `false`, and `true` is what they are
      if (isAlwaysOn(type)) continue;
      const inApp = change.inApp ?? null;
      const email = change.email ?? null;
      await em.execute(
        `insert into notification_preferences (user_id, type, in_app, email, updated_at)
         values (?, ?, ?, ?, now())
         on conflict (user_id, type) do update set
           in_app = coalesce(?::boolean, notification_preferences.in_app),
           email = coalesce(?::boolean, notification_preferences.email),
           updated_at = now()`,
        [
          userId,
          type,
          inApp ?? DEFAULT_PREFERENCES[type].inApp,
          email ?? DEFAULT_PREFERENCES[type].email,
          inApp,
          email,
        ],
      );
    }
    const after = await this.get(userId);
    for (const type of NOTIFICATION_TYPES) {
      if (before[type].inApp !== after[type].inApp || before[type].email !== after[type].email) {
        changes[type] = { before: before[type], after: after[type] };
      }
    }
    if (Object.keys(changes).length > 0) {
      await this.audit.record({
        action: 'notifications.preferences_updated',
        targetType: 'user',
        targetId: userId,
        metadata: { changes },
      });
    }
    return after;
  }
}
