import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { User } from '@docent/auth';
import { NotFoundError, olderThan, type Page, timeIdCursor, toPage, uuidv7 } from '@docent/common';
import { MailProducer, type MailTemplateName, type MailTemplates } from '@docent/mail';
import { CACHE, type DocentCache } from '@docent/redis';
import { Notification } from './entities/notification.entity';
import { NotificationMetrics } from './notification.metrics';
import { NotificationPreferencesService } from './notification-preferences.service';
import type { NotificationType } from './notification.types';
import { RealtimeEmitter } from './realtime/realtime.emitter';
import type { NotificationPayload } from './realtime/realtime.events';

export interface NotificationContent {
  title: string;
  body: string;
  data?: Record<string, unknown>;
}

/** A mail that goes with a notification; the recipient's display name is added here. */
export interface NotificationMail<T extends MailTemplateName = MailTemplateName> {
  template: T;
  context: Omit<MailTemplates[T], 'displayName'>;
  /** Stable per event: the mail queue sends one mail per template and event id. */
  eventId?: string;
  requestId?: string;
}

export interface NotifyOptions<T extends MailTemplateName = MailTemplateName> {
  /** Sent when the user's e-mail preference for the type is on. */
  email?: NotificationMail<T>;
}

export interface NotifyResult {
  /** The stored notification; null when the user switched the type off in the center. */
  notification: NotificationPayload | null;
  /** Whether a mail was queued. */
  mailed: boolean;
}

export interface ListNotificationsQuery {
  limit: number;
  cursor?: string;
  unread?: boolean;
}

/** `{ createdAt, id }`: the field names of the cursors handed out before the helper. */
const CURSOR = timeIdCursor();

/** Unread counts stay cached this long at most; every change drops the cached value. */
export const UNREAD_COUNT_TTL_MS = 60_000;
/** Rows deleted per statement by the retention purge. */
export const PURGE_BATCH_SIZE = 1000;

export const unreadCountKey = (userId: string): string => `notifications:unread-count:${userId}`;

export function toPayload(notification: Notification): NotificationPayload {
  return {
    id: notification.id,
    type: notification.type,
    title: notification.title,
    body: notification.body,
    data: notification.data,
    readAt: notification.readAt ? notification.readAt.toISOString() : null,
    createdAt: notification.createdAt.toISOString(),
  };
}

/**
 * The notification center and delivery, shared by both apps: `notify` stores (when the in-app
 * preference is on), pushes over socket.io through Redis with the new unread count, and queues
 * the mail (when the e-mail preference is on). Reads and changes are always limited to the
 * caller's own notifications: another user's id is "not found".
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly em: EntityManager,
    private readonly preferences: NotificationPreferencesService,
    private readonly realtime: RealtimeEmitter,
    private readonly mail: MailProducer,
    private readonly metrics: NotificationMetrics,
    @Inject(CACHE) private readonly cache: DocentCache,
  ) {}

  // ------------------------------------------------------------------ delivery

  async notify<T extends MailTemplateName>(
    userId: string,
    type: NotificationType,
    content: NotificationContent,
    options: NotifyOptions<T> = {},
  ): Promise<NotifyResult> {
    const preference = await this.preferences.forType(userId, type);
    let stored: NotificationPayload | null = null;
    if (preference.inApp) {
      const em = this.em.fork();
      const notification = em.create(Notification, {
        user: em.getReference(User, userId),
        type,
        title: content.title,
        body: content.body,
        data: content.data ?? {},
      });
      await em.persist(notification).flush();
      stored = toPayload(notification);
      this.metrics.sentOn('in_app');
      await this.dropCachedCount(userId);
      try {
        this.realtime.toUser(userId, 'notification', stored);
        this.metrics.sentOn('socket');
      } catch (error) {
        // stored anyway: the client sees it on its next read; the mail still goes
        this.logger.warn(`could not push notification=${stored.id}: ${String(error)}`);
      }
      await this.pushUnreadCount(userId);
    }
    let mailed = false;
    if (preference.email && options.email) {
      mailed = await this.mailUser(userId, {
        ...options.email,
        eventId: options.email.eventId ?? stored?.id ?? uuidv7(),
      });
    }
    return { notification: stored, mailed };
  }

  /**
   * Queues a mail to a user (active accounts only) and counts it. Preferences are the caller's
   * business (`notify` checks them; the batch summary has its own rule).
   */
  async mailUser<T extends MailTemplateName>(
    userId: string,
    mail: NotificationMail<T> & { eventId: string },
  ): Promise<boolean> {
    const user = await this.em
      .fork()
      .findOne(User, userId, { fields: ['email', 'displayName', 'status'] });
    if (!user || user.status !== 'active') return false;
    await this.mail.send({
      template: mail.template,
      to: { email: user.email, name: user.displayName },
      context: { ...mail.context, displayName: user.displayName } as MailTemplates[T],
      eventId: mail.eventId,
      requestId: mail.requestId,
    });
    this.metrics.sentOn('email');
    return true;
  }

  /** Sends the user's sockets their current unread count (best effort). */
  async pushUnreadCount(userId: string): Promise<void> {
    try {
      this.realtime.toUser(userId, 'unread-count', { count: await this.unreadCount(userId) });
    } catch (error) {
      this.logger.warn(`could not push the unread count of user=${userId}: ${String(error)}`);
    }
  }

  // ------------------------------------------------------------------ center

  async list(userId: string, query: ListNotificationsQuery): Promise<Page<NotificationPayload>> {
    const where: object[] = [{ user: userId }];
    if (query.unread === true) where.push({ readAt: null });
    if (query.unread === false) where.push({ readAt: { $ne: null } });
    if (query.cursor) where.push(olderThan(CURSOR.decode(query.cursor)));
    const rows = await this.em
      .fork()
      .find(
        Notification,
        { $and: where },
        { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit: query.limit + 1 },
      );
    return toPage(rows, query.limit, toPayload, (row) => CURSOR.position(row.createdAt, row.id));
  }

  /** Cached (cache-manager on Redis); every change to the user's notifications drops it. */
  async unreadCount(userId: string): Promise<number> {
    const key = unreadCountKey(userId);
    const cached = await this.cache.get<number>(key).catch(() => undefined);
    if (typeof cached === 'number') return cached;
    const count = await this.em.fork().count(Notification, { user: userId, readAt: null });
    await this.cache.set(key, count, UNREAD_COUNT_TTL_MS).catch(() => undefined);
    return count;
  }

  /** Idempotent: a notification already read keeps its first `readAt`. */
  async markRead(userId: string, id: string): Promise<NotificationPayload> {
    const em = this.em.fork();
    const changed = await em.nativeUpdate(
      Notification,
      { id, user: userId, readAt: null },
      { readAt: new Date() },
    );
    const notification = await em.findOne(Notification, { id, user: userId });
    if (!notification) throw new NotFoundError('Notification');
    if (changed > 0) await this.changed(userId);
    return toPayload(notification);
  }

  /** Marks every unread notification of the user read; returns how many changed. */
  async markAllRead(userId: string): Promise<number> {
    const changed = await this.em
      .fork()
      .nativeUpdate(Notification, { user: userId, readAt: null }, { readAt: new Date() });
    if (changed > 0) await this.changed(userId);
    return changed;
  }

  async remove(userId: string, id: string): Promise<void> {
    const removed = await this.em.fork().nativeDelete(Notification, { id, user: userId });
    if (removed === 0) throw new NotFoundError('Notification');
    await this.changed(userId);
  }

  // ------------------------------------------------------------------ retention

  /**
   * Deletes notifications created before `cutoff`, `batchSize` rows per statement (short locks,
   * bounded WAL bursts), and drops the cached counts of the users concerned. Returns the total.
   */
  async purgeOlderThan(cutoff: Date, batchSize = PURGE_BATCH_SIZE): Promise<number> {
    const em = this.em.fork();
    let total = 0;
    for (;;) {
      const rows = await em.execute<{ user_id: string }[]>(
        `delete from notifications where id in (
           select id from notifications where created_at < ? order by created_at limit ?
         ) returning user_id`,
        [cutoff, batchSize],
      );
      total += rows.length;
      const users = new Set(rows.map((row) => row.user_id));
      for (const userId of users) await this.dropCachedCount(userId);
      if (rows.length < batchSize) return total;
    }
  }

  // ------------------------------------------------------------------ internals

  private async changed(userId: string): Promise<void> {
    await this.dropCachedCount(userId);
    await this.pushUnreadCount(userId);
  }

  private async dropCachedCount(userId: string): Promise<void> {
    await this.cache.del(unreadCountKey(userId)).catch((error: unknown) => {
      this.logger.warn(`could not drop the cached unread count of user=${userId}: ${error}`);
    });
  }
}
