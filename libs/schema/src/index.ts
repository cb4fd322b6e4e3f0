import { AuditEvent } from '@docent/audit';
import {
  PasswordResetToken,
  Role,
  Session,
  SignInDevice,
  SpentRefreshToken,
  User,
} from '@docent/auth';
import { RolePermission } from '@docent/authorization';
import { UsageDaily } from '@docent/chat';
import type { EntityList } from '@docent/database';
import {
  Document,
  DocumentChunk,
  DocumentChunkEmbedding,
  DocumentChunkStat,
  DocumentShare,
  StorageDeletion,
} from '@docent/documents';
import { Notification, NotificationPreference } from '@docent/notifications';

/**
 * Every MikroORM entity of Docent, listed explicitly and shared by both apps, the migration CLI
 * and the tests. Each domain library adds its entities here when it brings them.
 */
export const ENTITIES: EntityList = [
  AuditEvent,
  Role,
  User,
  Session,
  SpentRefreshToken,
  PasswordResetToken,
  SignInDevice,
  RolePermission,
  Document,
  DocumentChunk,
  DocumentShare,
  DocumentChunkStat,
  DocumentChunkEmbedding,
  StorageDeletion,
  Notification,
  NotificationPreference,
  UsageDaily,
];
