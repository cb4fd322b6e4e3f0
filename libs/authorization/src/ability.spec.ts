import { subject } from '@casl/ability';
import { createMongoAbility } from '@casl/ability';
import { rulesForUser, type StoredRule } from './ability.factory';
import { accessibleWhere } from './accessible-where';
import type { AppAbility } from './permissions';

const rule = (
  action: string,
  subjectName: string,
  extra: Partial<StoredRule> = {},
): StoredRule => ({
  action,
  subject: subjectName,
  own: false,
  inverted: false,
  conditions: null,
  fields: null,
  ...extra,
});

// the built-in matrix as the migration seeds it
const ADMIN: StoredRule[] = [
  rule('manage', 'all'),
  ...['read', 'update', 'delete'].map((action) =>
    rule(action, 'ChatSession', { inverted: true, conditions: { userId: { $ne: '${user.id}' } } }),
  ),
];
const MEMBER: StoredRule[] = [
  rule('create', 'ChatSession'),
  rule('read', 'ChatSession', { own: true }),
  rule('create', 'Document'),
  rule('read', 'Document', { own: true }),
  rule('update', 'Document', { own: true }),
];

const abilityOf = (stored: StoredRule[], userId: string) =>
  createMongoAbility<AppAbility>(rulesForUser(stored, userId));

describe('abilities from stored rules', () => {
  it('limits "own" rules to the user\'s records through the owner field', () => {
    const ability = abilityOf(MEMBER, 'u1');
    expect(ability.can('read', subject('Document', { ownerId: 'u1' }))).toBe(true);
    expect(ability.can('read', subject('Document', { ownerId: 'u2' }))).toBe(false);
    expect(ability.can('delete', subject('Document', { ownerId: 'u1' }))).toBe(false);
    expect(ability.can('read', 'AuditEvent')).toBe(false);
    // a type-level check is true when any conditional rule exists: never enough for a record
    expect(ability.can('read', 'Document')).toBe(true);
  });

  it("lets admins manage everything except other people's chats", () => {
    const ability = abilityOf(ADMIN, 'admin1');
    expect(ability.can('read', 'AuditEvent')).toBe(true);
    expect(ability.can('delete', subject('Document', { ownerId: 'someone' }))).toBe(true);
    expect(ability.can('read', subject('ChatSession', { userId: 'admin1' }))).toBe(true);
    expect(ability.can('read', subject('ChatSession', { userId: 'someone' }))).toBe(false);
    expect(ability.can('delete', subject('ChatSession', { userId: 'someone' }))).toBe(false);
  });

  it('substitutes the user placeholder anywhere in conditions', () => {
    const rules = rulesForUser(
      [
        rule('read', 'Notification', {
          conditions: {
            $or: [{ userId: '${user.id}' }, { audience: { $in: ['all', '${user.id}'] } }],
          },
        }),
      ],
      'u9',
    );
    expect(rules[0].conditions).toEqual({
      $or: [{ userId: 'u9' }, { audience: { $in: ['all', 'u9'] } }],
    });
  });
});

describe('accessibleWhere', () => {
  it('turns "own" rules into a filter on the owner field', () => {
    expect(accessibleWhere(abilityOf(MEMBER, 'u1'), 'read', 'Document')).toEqual({ ownerId: 'u1' });
  });

  it('returns null when nothing is allowed', () => {
    expect(accessibleWhere(abilityOf(MEMBER, 'u1'), 'read', 'AuditEvent')).toBeNull();
    expect(accessibleWhere(abilityOf([], 'u1'), 'read', 'Document')).toBeNull();
  });

  it('allows everything for an unconditional rule, minus stronger exclusions', () => {
    expect(accessibleWhere(abilityOf(ADMIN, 'a1'), 'read', 'Document')).toEqual({});
    expect(accessibleWhere(abilityOf(ADMIN, 'a1'), 'read', 'ChatSession')).toEqual({
      $and: [{}, { $not: { userId: { $ne: 'a1' } } }],
    });
  });

  it('combines several allowing rules with $or and stops at an unconditional cannot', () => {
    const ability = abilityOf(
      [
        rule('read', 'Document', { own: true }),
        rule('read', 'Document', { conditions: { public: true } }),
      ],
      'u1',
    );
    expect(accessibleWhere(ability, 'read', 'Document')).toEqual({
      $or: [{ public: true }, { ownerId: 'u1' }],
    });
    const denied = abilityOf(
      [rule('read', 'Document', { own: true }), rule('read', 'Document', { inverted: true })],
      'u1',
    );
    expect(accessibleWhere(denied, 'read', 'Document')).toBeNull();
  });
});
