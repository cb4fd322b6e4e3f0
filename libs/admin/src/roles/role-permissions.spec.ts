import { AppError } from '@docent/common';
import type { StoredRule } from '@docent/authorization';
import { abilityOf, rule } from '../test-support';
import { assertGrantable, canGrant, checkPermissions, permissionsOf } from './role-permissions';

// the built-in admin as the migration seeds it
const ADMIN: StoredRule[] = [
  rule('manage', 'all'),
  ...['read', 'update', 'delete'].map((action) =>
    rule(action, 'ChatSession', { inverted: true, conditions: { userId: { $ne: '${user.id}' } } }),
  ),
];

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('checkPermissions', () => {
  it('accepts catalogue entries, own only where ownable, and defaults own to false', () => {
    expect(
      checkPermissions([
        { action: 'read', subject: 'AuditEvent' },
        { action: 'read', subject: 'Document', own: true },
        { action: 'delete', subject: 'Document', own: false },
      ]),
    ).toEqual([
      { action: 'read', subject: 'AuditEvent', own: false },
      { action: 'read', subject: 'Document', own: true },
      { action: 'delete', subject: 'Document', own: false },
    ]);
    expect(checkPermissions([])).toEqual([]);
  });

  it('refuses duplicates first (400), naming the repeated entry', () => {
    const error = thrown(() =>
      checkPermissions([
        { action: 'fly', subject: 'Nowhere' },
        { action: 'read', subject: 'Document', own: true },
        { action: 'read', subject: 'Document' },
      ]),
    );
    expect([error.status, error.code]).toEqual([400, 'duplicate_permission']);
    expect(error.errors).toEqual([
      { field: 'permissions.2', message: expect.stringContaining('permissions.1') },
    ]);
  });

  it('refuses entries outside the catalogue (422), all of them', () => {
    const error = thrown(() =>
      checkPermissions([
        { action: 'manage', subject: 'all' },
        { action: 'read', subject: 'Stats' },
        { action: 'create', subject: 'AuditEvent' },
      ]),
    );
    expect([error.status, error.code]).toEqual([422, 'unknown_permission']);
    expect(error.errors?.map((e) => e.field)).toEqual(['permissions.0', 'permissions.2']);
  });

  it('refuses own on entries that cannot be limited (422)', () => {
    const error = thrown(() =>
      checkPermissions([
        { action: 'create', subject: 'Document', own: true },
        { action: 'read', subject: 'Document', own: true },
      ]),
    );
    expect([error.status, error.code]).toEqual([422, 'permission_not_ownable']);
    expect(error.errors?.map((e) => e.field)).toEqual(['permissions.0']);
  });
});

describe('canGrant / assertGrantable', () => {
  it("lets an admin grant anything but other people's chats", () => {
    const admin = abilityOf(ADMIN);
    expect(canGrant(admin, 'me', { action: 'read', subject: 'AuditEvent', own: false })).toBe(true);
    expect(canGrant(admin, 'me', { action: 'delete', subject: 'Document', own: false })).toBe(true);
    expect(canGrant(admin, 'me', { action: 'create', subject: 'ChatSession', own: false })).toBe(
      true,
    );
    expect(canGrant(admin, 'me', { action: 'read', subject: 'ChatSession', own: false })).toBe(
      false,
    );
    expect(canGrant(admin, 'me', { action: 'read', subject: 'ChatSession', own: true })).toBe(true);
  });

  it('needs an unconditional permission for an unrestricted grant, an own one for an own grant', () => {
    const manager = abilityOf([
      rule('create', 'Role'),
      rule('read', 'Document', { own: true }),
      rule('read', 'Stats'),
      rule('read', 'User', { fields: ['email'] }),
    ]);
    expect(canGrant(manager, 'me', { action: 'read', subject: 'Stats', own: false })).toBe(true);
    expect(canGrant(manager, 'me', { action: 'read', subject: 'Document', own: true })).toBe(true);
    expect(canGrant(manager, 'me', { action: 'read', subject: 'Document', own: false })).toBe(
      false,
    );
    expect(canGrant(manager, 'me', { action: 'update', subject: 'Document', own: true })).toBe(
      false,
    );
    expect(canGrant(manager, 'me', { action: 'read', subject: 'User', own: false })).toBe(false);
    expect(canGrant(manager, 'me', { action: 'read', subject: 'AuditEvent', own: false })).toBe(
      false,
    );
  });

  it('refuses with 403 and names the entries, except those the role already had', () => {
    const manager = abilityOf([rule('read', 'Stats')]);
    const grants = [
      { action: 'read', subject: 'Stats', own: false },
      { action: 'read', subject: 'Queue', own: false },
      { action: 'read', subject: 'AuditEvent', own: false },
    ] as const;
    const error = thrown(() => assertGrantable(manager, 'me', [...grants]));
    expect([error.status, error.code]).toEqual([403, 'permission_not_grantable']);
    expect(error.errors?.map((e) => e.field)).toEqual(['permissions.1', 'permissions.2']);
    expect(() =>
      assertGrantable(
        manager,
        'me',
        [...grants],
        new Set(['read:Queue:any', 'read:AuditEvent:any']),
      ),
    ).not.toThrow();
  });
});

describe('permissionsOf', () => {
  it('keeps plain rules as permissions and leaves inverted or conditional ones out', () => {
    expect(permissionsOf(ADMIN)).toEqual([{ action: 'manage', subject: 'all', own: false }]);
    expect(
      permissionsOf([
        rule('read', 'Document', { own: true }),
        rule('read', 'Document', { conditions: { shared: true } }),
        rule('read', 'User', { fields: ['email'] }),
      ]),
    ).toEqual([{ action: 'read', subject: 'Document', own: true }]);
  });
});
