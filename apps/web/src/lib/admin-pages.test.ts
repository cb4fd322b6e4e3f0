import { describe, expect, it } from 'vitest';
import type { PermissionRuleDto } from '../api/openapi.gen';
import { adminPages, canOnAll } from './admin-pages';

const rule = (action: string, subject: string, extra: Partial<PermissionRuleDto> = {}) =>
  ({ action, subject, ...extra }) as PermissionRuleDto;

describe('canOnAll', () => {
  it('needs a rule without conditions', () => {
    expect(canOnAll([rule('read', 'User')], 'read', 'User')).toBe(true);
    // a member reads their own user only: not the users page
    expect(canOnAll([rule('read', 'User', { conditions: { id: 'me' } })], 'read', 'User')).toBe(
      false,
    );
    expect(canOnAll(undefined, 'read', 'User')).toBe(false);
  });

  it('takes manage and all as every action and subject', () => {
    expect(canOnAll([rule('manage', 'all')], 'read', 'Stats')).toBe(true);
    expect(canOnAll([rule('manage', 'Queue')], 'read', 'Queue')).toBe(true);
    expect(canOnAll([rule('manage', 'Queue')], 'read', 'Stats')).toBe(false);
  });

  it('lets a later unconditional refusal win, as CASL does', () => {
    const rules = [rule('manage', 'all'), rule('read', 'AuditEvent', { inverted: true })];
    expect(canOnAll(rules, 'read', 'AuditEvent')).toBe(false);
    expect(canOnAll(rules, 'read', 'Stats')).toBe(true);
    // a refusal limited to some records leaves the page open
    const own = [rule('manage', 'all'), rule('delete', 'User', { inverted: true, conditions: {} })];
    expect(canOnAll(own, 'delete', 'User')).toBe(true);
  });
});

describe('adminPages', () => {
  it('opens every admin page to an administrator, in menu order', () => {
    expect(adminPages([rule('manage', 'all')]).map((page) => page.label)).toEqual([
      'Users',
      'Roles',
      'Audit log',
      'Queues',
      'Usage',
    ]);
  });

  it('opens only what a custom role allows, and nothing to a member', () => {
    expect(
      adminPages([rule('read', 'Stats'), rule('read', 'Document')]).map((p) => p.path),
    ).toEqual(['/admin/stats']);
    expect(
      adminPages([
        rule('read', 'Document', { conditions: { ownerId: 'me' } }),
        rule('read', 'User', { conditions: { id: 'me' } }),
      ]),
    ).toEqual([]);
  });
});
