import type { Action, AppAbility, PolicyHandler } from '@docent/authorization';

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
