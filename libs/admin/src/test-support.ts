/* Helpers for the admin specs (not exported from the library). */
import { createMongoAbility } from '@casl/ability';
import { type AppAbility, rulesForUser, type StoredRule } from '@docent/authorization';

/** A stored permission row as the roles table holds it: not owned, not inverted, no conditions. */
export const rule = (
  action: string,
  subject: string,
  extra: Partial<StoredRule> = {},
): StoredRule => ({
  action,
  subject,
  own: false,
  inverted: false,
  conditions: null,
  fields: null,
  ...extra,
});

/** The ability the guard would build for `userId` from these stored rows. */
export const abilityOf = (stored: StoredRule[], userId = 'me'): AppAbility =>
  createMongoAbility<AppAbility>(rulesForUser(stored, userId));
