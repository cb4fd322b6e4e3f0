/**
 * Every audit action Docent writes, by library. The strings are stored in `audit_events.action`
 * and are what administrators filter on (`GET /admin/audit-events?action=`), so an entry never
 * changes once shipped: rows written by earlier versions must stay findable under the same name.
 * Add new actions here; `AuditService.record` accepts nothing else.
 */
export const AUDIT_ACTIONS = [
  // auth: sign-in, sessions, passwords
  'auth.register',
  'auth.login',
  'auth.lockout',
  'auth.refresh_token_reused',
  'auth.logout',
  'auth.logout_all',
  'auth.session_ended',
  'auth.password_changed',
  'auth.password_reset_requested',
  'auth.password_reset_completed',
  // auth: accounts
  'user.admin_bootstrapped',
  'user.status_changed',
  'user.role_changed',
  // admin
  'admin.user_created',
  'admin.user_updated',
  'admin.user_unlocked',
  'admin.user_deleted',
  'admin.role_created',
  'admin.role_updated',
  'admin.role_deleted',
  'admin.job_retried',
  'admin.job_removed',
  // documents
  'document.uploaded',
  'document.deleted',
  'document.reingested',
  'document.shared',
  'document.share_refused',
  'document.unshared',
  'document.file_removed',
  // chat
  'chat.session_deleted',
  'chat.session_exported',
  // notifications
  'notifications.preferences_updated',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * What an entry is about, by name. The stored values are not uniform: documents and chat sessions
 * were recorded under their CASL subject names (`Document`, `ChatSession`) while the rest use
 * lower-case names. Rows already written keep those values and the admin API filters on the exact
 * string, so renaming one would hide its history (or need a migration of an append-only table whose
 * trigger refuses UPDATE). Code names targets through the keys here, which are uniform; the values
 * are what is stored.
 */
export const AUDIT_TARGET = {
  user: 'user',
  session: 'session',
  role: 'role',
  job: 'job',
  document: 'Document',
  chatSession: 'ChatSession',
} as const;

export type AuditTargetType = (typeof AUDIT_TARGET)[keyof typeof AUDIT_TARGET];
