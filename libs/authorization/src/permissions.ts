import type { ForcedSubject, MongoAbility, MongoQuery } from '@casl/ability';

export const ACTIONS = ['manage', 'create', 'read', 'update', 'delete', 'share'] as const;
export type Action = (typeof ACTIONS)[number];

export const SUBJECTS = [
  'all',
  'User',
  'Role',
  'AuditEvent',
  'Queue',
  'Stats',
  'Document',
  'ChatSession',
  'Notification',
] as const;
export type Subject = (typeof SUBJECTS)[number];

/** A subject type name, or a record tagged with its type (`subject('Document', doc)`). */
export type SubjectArg = Subject | (ForcedSubject<Exclude<Subject, 'all'>> & object);
export type AppAbility = MongoAbility<[Action, SubjectArg], MongoQuery>;

/** The field that names a record's owner, for subjects whose permissions can be limited to "own". */
export const OWNER_FIELD: Partial<Record<Subject, string>> = {
  Document: 'ownerId',
  ChatSession: 'userId',
  Notification: 'userId',
  User: 'id',
};

export interface CatalogueEntry {
  action: Action;
  subject: Subject;
  /** Whether the permission can be limited to the user's own records. */
  ownable: boolean;
}

/** What an admin may put into a custom role (SPEC §5 `GET /admin/permissions`). */
export const PERMISSION_CATALOGUE: readonly CatalogueEntry[] = [
  ...(['create'] as const).map((action) => ({
    action,
    subject: 'Document' as const,
    ownable: false,
  })),
  ...(['read', 'update', 'delete', 'share'] as const).map((action) => ({
    action,
    subject: 'Document' as const,
    ownable: true,
  })),
  { action: 'create', subject: 'ChatSession', ownable: false },
  ...(['read', 'update', 'delete'] as const).map((action) => ({
    action,
    subject: 'ChatSession' as const,
    ownable: true,
  })),
  ...(['read', 'update', 'delete'] as const).map((action) => ({
    action,
    subject: 'Notification' as const,
    ownable: true,
  })),
  { action: 'create', subject: 'User', ownable: false },
  ...(['read', 'update'] as const).map((action) => ({
    action,
    subject: 'User' as const,
    ownable: true,
  })),
  { action: 'delete', subject: 'User', ownable: false },
  ...(['read', 'create', 'update', 'delete'] as const).map((action) => ({
    action,
    subject: 'Role' as const,
    ownable: false,
  })),
  { action: 'read', subject: 'AuditEvent', ownable: false },
  ...(['read', 'update', 'delete'] as const).map((action) => ({
    action,
    subject: 'Queue' as const,
    ownable: false,
  })),
  { action: 'read', subject: 'Stats', ownable: false },
];

export function catalogueEntry(action: string, subject: string): CatalogueEntry | undefined {
  return PERMISSION_CATALOGUE.find((entry) => entry.action === action && entry.subject === subject);
}
