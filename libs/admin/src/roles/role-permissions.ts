import { subject as asSubject } from '@casl/ability';
import type { FieldError } from '@docent/common';
import {
  type Action,
  type AppAbility,
  catalogueEntry,
  OWNER_FIELD,
  type StoredRule,
  type Subject,
  type SubjectArg,
} from '@docent/authorization';
import {
  duplicatePermission,
  permissionNotGrantable,
  permissionNotOwnable,
  unknownPermission,
} from './roles.errors';

/** One entry of a role as the admin API speaks it: a catalogue permission, maybe limited to "own". */
export interface PermissionGrant {
  action: Action;
  subject: Subject;
  own: boolean;
}

export interface PermissionInput {
  action: string;
  subject: string;
  own?: boolean | null;
}

export const grantKey = (grant: PermissionGrant): string =>
  `${grant.action}:${grant.subject}:${grant.own ? 'own' : 'any'}`;

const field = (index: number): string => `permissions.${index}`;

/**
 * Checks a requested permission list against the catalogue, in order of severity: the same
 * (action, subject) twice → 400 `duplicate_permission`; a pair outside the catalogue → 422
 * `unknown_permission`; `own: true` on a pair that cannot be limited → 422
 * `permission_not_ownable`. Every offending entry is named as `permissions.N`.
 */
export function checkPermissions(input: readonly PermissionInput[]): PermissionGrant[] {
  const seen = new Map<string, number>();
  const duplicates: FieldError[] = [];
  input.forEach((entry, index) => {
    const key = `${entry.action}:${entry.subject}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      duplicates.push({
        field: field(index),
        message: `${entry.action} ${entry.subject} is already listed as ${field(first)}`,
      });
  });
  if (duplicates.length > 0) throw duplicatePermission(duplicates);

  const unknown: FieldError[] = [];
  const notOwnable: FieldError[] = [];
  const grants = input.map((entry, index): PermissionGrant | null => {
    const catalogued = catalogueEntry(entry.action, entry.subject);
    if (!catalogued) {
      unknown.push({
        field: field(index),
        message: `${entry.action} ${entry.subject} is not in the permission catalogue`,
      });
      return null;
    }
    const own = entry.own === true;
    if (own && !catalogued.ownable) {
      notOwnable.push({
        field: field(index),
        message: `${entry.action} ${entry.subject} cannot be limited to the user's own records`,
      });
    }
    return { action: catalogued.action, subject: catalogued.subject, own };
  });
  if (unknown.length > 0) throw unknownPermission(unknown);
  if (notOwnable.length > 0) throw permissionNotOwnable(notOwnable);
  return grants as PermissionGrant[];
}

/**
 * Whether the caller holds what they are about to grant, so that managing roles never widens
 * anyone's reach beyond the manager's own. An unrestricted grant needs an unconditional "can"
 * that no "cannot" overrides (so an admin, who may not read other people's chats, cannot create
 * a role that may); an "own" grant needs the permission on the caller's own records.
 */
export function canGrant(ability: AppAbility, callerId: string, grant: PermissionGrant): boolean {
  if (grant.own) {
    const ownerField = OWNER_FIELD[grant.subject];
    if (!ownerField || grant.subject === 'all') return false;
    const record = asSubject(grant.subject, { [ownerField]: callerId }) as SubjectArg;
    return ability.can(grant.action, record);
  }
  // strongest rule first, as CASL itself decides
  for (const rule of ability.rulesFor(grant.action, grant.subject)) {
    if (rule.inverted) return false;
    if (!rule.conditions && !rule.fields) return true;
  }
  return false;
}

/**
 * Refuses (403 `permission_not_grantable`) any grant the caller does not hold themselves.
 * Entries in `alreadyGranted` (the role's current permissions, by `grantKey`) are exempt: keeping
 * what a role already has is not granting it.
 */
export function assertGrantable(
  ability: AppAbility,
  callerId: string,
  grants: readonly PermissionGrant[],
  alreadyGranted: ReadonlySet<string> = new Set(),
): void {
  const refused: FieldError[] = [];
  grants.forEach((grant, index) => {
    if (alreadyGranted.has(grantKey(grant))) return;
    if (!canGrant(ability, callerId, grant)) {
      refused.push({
        field: field(index),
        message: `you cannot grant ${grant.action} ${grant.subject}${grant.own ? ' (own)' : ''}: your own role does not allow it`,
      });
    }
  });
  if (refused.length > 0) throw permissionNotGrantable(refused);
}

type RuleLike = Pick<
  StoredRule,
  'action' | 'subject' | 'own' | 'inverted' | 'conditions' | 'fields'
>;

/**
 * A role's stored rules as catalogue-style permissions: only plain "can" rules (no inversion, no
 * extra conditions, no field limits) can be written as `{action, subject, own}`; the rest are
 * shown in the role's raw `rules` only.
 */
export function permissionsOf(rules: readonly RuleLike[]): PermissionGrant[] {
  return rules
    .filter((rule) => !rule.inverted && !rule.conditions && !rule.fields)
    .map((rule) => ({
      action: rule.action as Action,
      subject: rule.subject as Subject,
      own: rule.own,
    }));
}
