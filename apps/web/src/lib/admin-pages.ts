import type { PermissionRuleDto } from '../api/openapi.gen';
import { ruleMatches } from './auth';

/**
 * The admin pages and the permission each needs: the one its list endpoint checks, on every
 * record (a rule limited to the caller's own records, such as reading one's own user, is not
 * enough). A custom role sees the pages it may use and no other, and the Admin link leads to the
 * first of them.
 */
export const ADMIN_PAGES = [
  { path: '/admin/users', label: 'Users', action: 'read', subject: 'User' },
  { path: '/admin/roles', label: 'Roles', action: 'read', subject: 'Role' },
  { path: '/admin/audit', label: 'Audit log', action: 'read', subject: 'AuditEvent' },
  { path: '/admin/queues', label: 'Queues', action: 'read', subject: 'Queue' },
  { path: '/admin/stats', label: 'Usage', action: 'read', subject: 'Stats' },
] as const;

export type AdminPath = (typeof ADMIN_PAGES)[number]['path'];

/**
 * Whether the CASL rules from `/auth/me` allow `action` on every `subject` record: by a rule
 * without conditions, and no unconditional rule forbidding it (later rules win, as in CASL).
 */
export function canOnAll(
  rules: PermissionRuleDto[] | undefined,
  action: string,
  subject: string,
): boolean {
  let allowed = false;
  for (const rule of rules ?? []) {
    if (!ruleMatches(rule, action, subject) || rule.conditions) continue;
    allowed = !rule.inverted;
  }
  return allowed;
}

/** The admin pages these rules open, in menu order. */
export function adminPages(rules: PermissionRuleDto[] | undefined) {
  return ADMIN_PAGES.filter((page) => canOnAll(rules, page.action, page.subject));
}
