import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditService } from '@docent/audit';
import type { AbilityFactory } from '@docent/authorization';
import type { AccountService, AuthUser, LoginLockout, User } from '@docent/auth';
import { AppError } from '@docent/common';
import type { StorageCleanupProducer } from '@docent/documents';
import { type AdminUserRepository, likePattern } from './admin-user.repository';
import { AdminUsersService } from './admin-users.service';
import { abilityOf as ability, rule } from '../test-support';
import { onAnyUser } from './user-policies';

const ADMIN_RULES = [rule('manage', 'all')];
const MEMBER_RULES = [rule('read', 'User', { own: true }), rule('update', 'User', { own: true })];

function user(id: string, role: string, status: 'active' | 'disabled' = 'active'): User {
  return {
    id,
    email: `${id}@docent.test`,
    displayName: id,
    role: { name: role },
    status,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
  } as User;
}

const caller = (id: string, role = 'admin'): AuthUser => ({
  id,
  role,
  sessionId: 's',
  email: `${id}@docent.test`,
  displayName: id,
  createdAt: '2026-01-01T00:00:00.000Z',
});

function setup(target: User, otherActiveAdmins: number) {
  const calls: string[] = [];
  const users = {
    findById: jest.fn(async (id: string) => {
      calls.push('findById');
      return id === target.id ? target : null;
    }),
    countActiveWithRole: jest.fn(async () => {
      calls.push('countActiveWithRole');
      return otherActiveAdmins;
    }),
    countLiveSessions: jest.fn(async () => 0),
    lockAdminChanges: jest.fn(async () => {
      calls.push('lock');
    }),
  };
  const accounts = {
    setRole: jest.fn(async (u: User, role: string) => {
      u.role = { name: role } as User['role'];
    }),
    setStatus: jest.fn(async (u: User, status: User['status']) => {
      u.status = status;
    }),
    setDisplayName: jest.fn(async (u: User, name: string) => {
      u.displayName = name.trim();
    }),
    deleteUser: jest.fn(async () => ({ sessionsEnded: 1 })),
  };
  const lockout = { lockedFor: jest.fn(async () => 0), unlock: jest.fn() };
  const audit = { record: jest.fn(async () => undefined) };
  /** When the transaction ends relative to the removal hint. */
  const order: string[] = [];
  const em = {
    transactional: jest.fn(async (cb: () => Promise<unknown>) => {
      const result = await cb();
      order.push('commit');
      return result;
    }),
  };
  const storageCleanup = {
    hintQuietly: jest.fn(async () => {
      order.push('hint');
    }),
  };
  const service = new AdminUsersService(
    em as unknown as EntityManager,
    users as unknown as AdminUserRepository,
    accounts as unknown as AccountService,
    lockout as unknown as LoginLockout,
    audit as unknown as AuditService,
    // assignable-role checks are exercised end to end (test/admin-users.e2e-spec.ts)
    { storedRules: async () => [] } as unknown as AbilityFactory,
    storageCleanup as unknown as StorageCleanupProducer,
  );
  return { service, users, accounts, audit, calls, order, storageCleanup };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
  return 'ok';
}

describe('AdminUsersService: the last active admin', () => {
  const adminAbility = ability(ADMIN_RULES, 'a1');

  it.each([
    ['demoting', { role: 'member' }],
    ['disabling', { status: 'disabled' as const }],
  ])('refuses %s them (409 last_admin), audited as denied, nothing changed', async (_n, input) => {
    const target = user('a2', 'admin');
    const { service, accounts, audit } = setup(target, 0);
    expect(await codeOf(service.update(caller('a1'), adminAbility, 'a2', input))).toBe(
      '409 last_admin',
    );
    expect(accounts.setRole).not.toHaveBeenCalled();
    expect(accounts.setStatus).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'admin.user_updated',
        outcome: 'denied',
        metadata: expect.objectContaining({ reason: 'last_admin' }),
      }),
    );
  });

  it('refuses deleting them (409 last_admin)', async () => {
    const { service, accounts } = setup(user('a2', 'admin'), 0);
    expect(await codeOf(service.remove(caller('a1'), adminAbility, 'a2'))).toBe('409 last_admin');
    expect(accounts.deleteUser).not.toHaveBeenCalled();
  });

  it('checks under the lock, after it is taken, and excludes the target from the count', async () => {
    const { service, users, calls } = setup(user('a2', 'admin'), 1);
    await service.update(caller('a1'), adminAbility, 'a2', { role: 'member' });
    expect(calls).toEqual(['lock', 'findById', 'countActiveWithRole']);
    expect(users.countActiveWithRole).toHaveBeenCalledWith('admin', 'a2');
  });

  it('lets an admin go while another active admin remains, and audits before/after', async () => {
    const { service, accounts, audit } = setup(user('a2', 'admin'), 1);
    const result = await service.update(caller('a1'), adminAbility, 'a2', {
      role: 'member',
      status: 'disabled',
    });
    expect(result).toMatchObject({ role: 'member', status: 'disabled' });
    expect(accounts.setRole).toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith({
      action: 'admin.user_updated',
      targetType: 'user',
      targetId: 'a2',
      metadata: {
        before: { role: 'admin', status: 'active' },
        after: { role: 'member', status: 'disabled' },
        changed: ['role', 'status'],
      },
    });
  });

  it('does not count when the change keeps them an active admin or they are not one', async () => {
    for (const [target, input] of [
      [user('a2', 'admin'), { displayName: 'New' }],
      [user('a2', 'admin'), { role: 'admin', status: 'active' as const }],
      [user('a2', 'admin', 'disabled'), { role: 'member' }],
      [user('m1', 'member'), { status: 'disabled' as const }],
    ] as const) {
      const { service, users } = setup(target, 0);
      await service.update(caller('a1'), adminAbility, target.id, input);
      expect(users.countActiveWithRole).not.toHaveBeenCalled();
    }
    const { service, accounts } = setup(user('a2', 'admin', 'disabled'), 0);
    await service.remove(caller('a1'), adminAbility, 'a2');
    expect(accounts.deleteUser).toHaveBeenCalled();
  });

  it('takes no lock for a display-name change', async () => {
    const { service, users } = setup(user('m1', 'member'), 0);
    await service.update(caller('a1'), adminAbility, 'm1', { displayName: 'New' });
    expect(users.lockAdminChanges).not.toHaveBeenCalled();
  });
});

describe('AdminUsersService: self-protection and input', () => {
  const adminAbility = ability(ADMIN_RULES, 'a1');

  it.each([
    ['disable themselves', { status: 'disabled' as const }],
    ['change their own role', { role: 'member' }],
  ])('an admin cannot %s (409 cannot_modify_self)', async (_n, input) => {
    const { service, accounts } = setup(user('a1', 'admin'), 5);
    expect(await codeOf(service.update(caller('a1'), adminAbility, 'a1', input))).toBe(
      '409 cannot_modify_self',
    );
    expect(accounts.setRole).not.toHaveBeenCalled();
    expect(accounts.setStatus).not.toHaveBeenCalled();
  });

  it('an admin cannot delete themselves', async () => {
    const { service, storageCleanup } = setup(user('a1', 'admin'), 5);
    expect(await codeOf(service.remove(caller('a1'), adminAbility, 'a1'))).toBe(
      '409 cannot_modify_self',
    );
    expect(storageCleanup.hintQuietly).not.toHaveBeenCalled();
  });

  it('asks for the file removal only once the deletion committed', async () => {
    const { service, order } = setup(user('m1', 'member'), 0);
    await service.remove(caller('a1'), adminAbility, 'm1');
    expect(order).toEqual(['commit', 'hint']);
  });

  it('refuses a body without any field (400)', async () => {
    const { service } = setup(user('m1', 'member'), 0);
    expect(await codeOf(service.update(caller('a1'), adminAbility, 'm1', {}))).toBe(
      '400 validation_failed',
    );
  });

  it('answers 404 for a user the caller may not see and 403 for one they may not change', async () => {
    const readOnly = ability(
      [
        rule('read', 'User', { conditions: { status: 'active' } }),
        rule('update', 'User', { own: true }),
      ],
      'c1',
    );
    const hidden = setup(user('m1', 'member', 'disabled'), 0);
    expect(await codeOf(hidden.service.get(readOnly, 'm1'))).toBe('404 user_not_found');
    const visible = setup(user('m2', 'member'), 0);
    expect(await codeOf(visible.service.get(readOnly, 'm2'))).toBe('ok');
    expect(
      await codeOf(visible.service.update(caller('c1'), readOnly, 'm2', { displayName: 'x' })),
    ).toBe('403 forbidden');
    expect(await codeOf(visible.service.unlock(caller('c1'), readOnly, 'm2'))).toBe(
      '403 forbidden',
    );
  });
});

describe('AdminUsersService: only an administrator touches an administrator', () => {
  // a custom role with every user-management right, but not the admin role
  const managerAbility = ability(
    [rule('read', 'User'), rule('create', 'User'), rule('update', 'User'), rule('delete', 'User')],
    'u1',
  );
  const manager = caller('u1', 'user-manager');

  it.each([
    ['disable', { status: 'disabled' as const }],
    ['demote', { role: 'member' }],
    ['rename', { displayName: 'Renamed' }],
  ])(
    'refuses a custom role that would %s an admin (403), audited, nothing changed',
    async (_n, input) => {
      const { service, accounts, audit } = setup(user('a2', 'admin'), 3);
      expect(await codeOf(service.update(manager, managerAbility, 'a2', input))).toBe(
        '403 administrator_required',
      );
      expect(accounts.setRole).not.toHaveBeenCalled();
      expect(accounts.setStatus).not.toHaveBeenCalled();
      expect(accounts.setDisplayName).not.toHaveBeenCalled();
      expect(audit.record).toHaveBeenCalledWith(
        expect.objectContaining({
          action: 'admin.user_updated',
          outcome: 'denied',
          targetId: 'a2',
          metadata: expect.objectContaining({ reason: 'administrator_required' }),
        }),
      );
    },
  );

  it('refuses a disabled admin too: re-enabling one is an admin decision', async () => {
    const { service, accounts } = setup(user('a2', 'admin', 'disabled'), 3);
    expect(await codeOf(service.update(manager, managerAbility, 'a2', { status: 'active' }))).toBe(
      '403 administrator_required',
    );
    expect(accounts.setStatus).not.toHaveBeenCalled();
  });

  it('refuses promoting anyone to admin, deleting or unlocking an admin', async () => {
    const member = setup(user('m1', 'member'), 3);
    expect(
      await codeOf(member.service.update(manager, managerAbility, 'm1', { role: 'admin' })),
    ).toBe('403 administrator_required');
    expect(member.accounts.setRole).not.toHaveBeenCalled();

    const admin = setup(user('a2', 'admin'), 3);
    expect(await codeOf(admin.service.remove(manager, managerAbility, 'a2'))).toBe(
      '403 administrator_required',
    );
    expect(admin.accounts.deleteUser).not.toHaveBeenCalled();
    expect(await codeOf(admin.service.unlock(manager, managerAbility, 'a2'))).toBe(
      '403 administrator_required',
    );
  });

  it('still lets the custom role manage members, and an admin manage admins', async () => {
    const member = setup(user('m1', 'member'), 0);
    expect(
      await codeOf(member.service.update(manager, managerAbility, 'm1', { status: 'disabled' })),
    ).toBe('ok');
    expect(await codeOf(member.service.unlock(manager, managerAbility, 'm1'))).toBe('ok');
    const admin = setup(user('a2', 'admin'), 1);
    expect(
      await codeOf(
        admin.service.update(caller('a1'), ability(ADMIN_RULES, 'a1'), 'a2', {
          status: 'disabled',
        }),
      ),
    ).toBe('ok');
  });
});

describe('onAnyUser (the admin endpoints policy)', () => {
  it('needs a grant on users in general, not only on their own account', () => {
    expect(onAnyUser('read')(ability(ADMIN_RULES, 'a1'))).toBe(true);
    expect(onAnyUser('delete')(ability(ADMIN_RULES, 'a1'))).toBe(true);
    expect(onAnyUser('read')(ability(MEMBER_RULES, 'm1'))).toBe(false);
    expect(onAnyUser('update')(ability(MEMBER_RULES, 'm1'))).toBe(false);
    const custom = ability([rule('read', 'User'), ...MEMBER_RULES], 'c1');
    expect(onAnyUser('read')(custom)).toBe(true);
    expect(onAnyUser('update')(custom)).toBe(false);
    const revoked = ability([rule('read', 'User'), rule('read', 'User', { inverted: true })], 'c1');
    expect(onAnyUser('read')(revoked)).toBe(false);
  });
});

describe('likePattern', () => {
  it('matches the text literally, as a substring', () => {
    expect(likePattern('ada')).toBe('%ada%');
    expect(likePattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});
