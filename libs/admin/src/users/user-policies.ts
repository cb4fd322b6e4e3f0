import { subject } from '@casl/ability';
import type { BuiltInRole, User } from '@docent/auth';
import type { Action, AppAbility, PolicyHandler } from '@docent/authorization';

/** The role whose last active holder may not be demoted, disabled or deleted. */
export const ADMIN_ROLE: BuiltInRole = 'admin';

export const isAdmin = (user: User): boolean => user.role.name === ADMIN_ROLE;

export const isActiveAdmin = (user: User): boolean => user.status === 'active' && isAdmin(user);

/** The user as CASL sees it (conditions such as "own" compare `id`). */
export const asSubject = (user: User) =>
  subject('User', {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    status: user.status,
  });

/**
 * "May do `action` to users in general", not only to their own account. Every built-in role may
 * read and update its own User record (`own` rules, for self-service), and CASL's type-level
 * `can('read', 'User')` is true as soon as any conditional rule exists: the admin API needs a
 * grant without conditions (admin's `manage all`, or a custom role's `read User` without `own`).
 * The loaded record is checked again in the service.
 */
export const onAnyUser =
  (action: Exclude<Action, 'manage' | 'share'>): PolicyHandler =>
  (ability: AppAbility) =>
    ability.can(action, 'User') &&
    ability.rulesFor(action, 'User').some((rule) => !rule.inverted && !rule.conditions);
