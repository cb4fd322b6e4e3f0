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

/** One catalogue entry per action, all on `subject` and all ownable or not. */
function entries(
  subject: Subject,
  ownable: boolean,
  ...actions: readonly Action[]
): CatalogueEntry[] {
  return actions.map((action) => ({ action, subject, ownable }));
}

/** What an admin may put into a custom role (SPEC §5 `GET /admin/permissions`). */
export const PERMISSION_CATALOGUE: readonly CatalogueEntry[] = [
  ...entries('Document', false, 'create'),
  ...entries('Document', true, 'read', 'update', 'delete', 'share'),
  ...entries('ChatSession', false, 'create'),
  ...entries('ChatSession', true, 'read', 'update', 'delete'),
  ...entries('Notification', true, 'read', 'update', 'delete'),
  ...entries('User', false, 'create'),
  ...entries('User', true, 'read', 'update'),
  ...entries('User', false, 'delete'),
  ...entries('Role', false, 'read', 'create', 'update', 'delete'),
  ...entries('AuditEvent', false, 'read'),
  ...entries('Queue', false, 'read', 'update', 'delete'),
  ...entries('Stats', false, 'read'),
];

export function catalogueEntry(action: string, subject: string): CatalogueEntry | undefined {
  return PERMISSION_CATALOGUE.find((entry) => entry.action === action && entry.subject === subject);
}
