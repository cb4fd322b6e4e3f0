import type { User } from '@docent/auth';

/** What the audit log keeps of a user: never the password hash. */
export interface UserSnapshot {
  email: string;
  displayName: string;
  role: string;
  status: string;
}

/** The fields an administrator may change (PATCH /admin/users/:id). */
export const UPDATABLE = ['role', 'status', 'displayName'] as const;
export type Updatable = (typeof UPDATABLE)[number];

export function snapshotOf(user: User): UserSnapshot {
  return {
    email: user.email,
    displayName: user.displayName,
    role: user.role.name,
    status: user.status,
  };
}

/** Only the changed fields go into the audit entry of an update. */
export function pick(snapshot: UserSnapshot, fields: Updatable[]): Partial<UserSnapshot> {
  return Object.fromEntries(fields.map((field) => [field, snapshot[field]]));
}
