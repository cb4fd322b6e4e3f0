import { AuditEvent } from '@docent/audit';
import { PasswordResetToken, Role, Session, SpentRefreshToken, User } from '@docent/auth';
import { RolePermission } from '@docent/authorization';
import type { EntityList } from '@docent/database';
import { Document, DocumentChunk, DocumentShare } from '@docent/documents';

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
  RolePermission,
  Document,
  DocumentChunk,
  DocumentShare,
];
