/**
 * The kinds of notification Docent sends, and the channels a user can switch per kind. Adding a
 * type means adding it here (with its defaults); preferences, validation and Swagger follow.
 */
export const NOTIFICATION_TYPES = [
  'ingestion.completed',
  'ingestion.failed',
  'document.shared',
  'security.password_changed',
  'security.new_sign_in',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * Security notices (password changed or reset, sign-in from a new device) are always stored and
 * mailed: an intruder who got in must not be able to silence the warnings first. `PUT
 * /notifications/preferences` refuses to turn them off and `GET` shows them on.
 */
export const ALWAYS_ON_TYPES = ['security.password_changed', 'security.new_sign_in'] as const;
export type AlwaysOnType = (typeof ALWAYS_ON_TYPES)[number];

export function isAlwaysOn(type: NotificationType): type is AlwaysOnType {
  return (ALWAYS_ON_TYPES as readonly string[]).includes(type);
}

export function isNotificationType(value: unknown): value is NotificationType {
  return typeof value === 'string' && (NOTIFICATION_TYPES as readonly string[]).includes(value);
}

/** Whether one kind of notification is stored in the notification center and/or e-mailed. */
export interface ChannelPreference {
  inApp: boolean;
  email: boolean;
}

export type NotificationPreferences = Record<NotificationType, ChannelPreference>;

/**
 * Defaults for a user who changed nothing: everything in the notification center; e-mail for
 * everything too (and for the `ALWAYS_ON_TYPES`, whatever the user asks). For `ingestion.completed` the e-mail is the one summary per upload batch
 * (never one mail per file); `ingestion.failed` mails a failure at once only when it happens
 * outside a batch (a reingest after the batch summary went out), otherwise the failure is listed
 * in the batch summary.
 */
export const DEFAULT_PREFERENCES: Readonly<NotificationPreferences> = Object.freeze({
  'ingestion.completed': Object.freeze({ inApp: true, email: true }),
  'ingestion.failed': Object.freeze({ inApp: true, email: true }),
  'document.shared': Object.freeze({ inApp: true, email: true }),
  'security.password_changed': Object.freeze({ inApp: true, email: true }),
  'security.new_sign_in': Object.freeze({ inApp: true, email: true }),
});

/** The channels `notifications_sent_total` counts. */
export type NotificationChannel = 'in_app' | 'email' | 'socket';
