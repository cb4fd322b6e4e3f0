import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import { AuditEvent } from '@docent/audit';
import { AccountService, PasswordResetToken, Role, Session, User } from '@docent/auth';
import { RolePermission } from '@docent/authorization';
import {
  ADMIN_CHANGES_LOCK,
  AdminUserRepository,
} from '../libs/admin/src/users/admin-user.repository';
import { newIdentity, type Stack, startStack } from './support/stack';

type Http = ReturnType<typeof request>;
type Identity = ReturnType<typeof newIdentity>;
interface Account {
  id: string;
  accessToken: string;
  refreshToken: string;
  identity: Identity;
}

const USERS = '/api/v1/admin/users';
const UNKNOWN_ID = '01936f00-0000-7000-8000-00000000dead';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('admin users (/api/v1/admin/users)', () => {
  let stack: Stack;
  let http: Http;
  let admin: Account;
  let member: Account;
  let viewer: Account;

  beforeAll(async () => {
    stack = await startStack({ LOGIN_LOCKOUT_THRESHOLD: '2' });
    http = stack.http;
    admin = await account('admin');
    member = await account('member');
    viewer = await account('viewer');
  });

  afterAll(async () => {
    await stack?.close();
  });

  /** A registered user with the given role (set the way an operator would, through AccountService). */
  async function account(role = 'member', identity = newIdentity(role)): Promise<Account> {
    const res = await http.post('/api/v1/auth/register').send(identity).expect(201);
    if (role !== 'member') await setRole(res.body.user.id as string, role);
    return {
      id: res.body.user.id,
      accessToken: res.body.accessToken,
      refreshToken: res.body.refreshToken,
      identity,
    };
  }

  async function setRole(userId: string, role: string): Promise<void> {
    const accounts = stack.api.get(AccountService);
    await RequestContext.create(stack.api.get(EntityManager), async () => {
      await accounts.setRole((await accounts.findById(userId))!, role);
    });
  }

  /** A user created through the API, with a known password. */
  async function created(overrides: Partial<Identity & { role: string }> = {}) {
    const identity = { ...newIdentity('made'), role: 'member', ...overrides };
    const res = await http.post(USERS).set(bearer(admin.accessToken)).send(identity).expect(201);
    return { user: res.body as { id: string; email: string; displayName: string }, identity };
  }

  const login = (email: string, password: string) =>
    http.post('/api/v1/auth/login').send({ email, password });

  const audit = (where: Partial<AuditEvent>) =>
    stack.api
      .get(EntityManager)
      .fork()
      .find(AuditEvent, where, { orderBy: { occurredAt: 'asc', id: 'asc' } });

  describe('who may call it', () => {
    const calls: [
      string,
      (id: string) => [method: 'get' | 'post' | 'patch' | 'delete', string, object?],
    ][] = [
      ['GET /admin/users', () => ['get', USERS]],
      ['GET /admin/users/:id', (id) => ['get', `${USERS}/${id}`]],
      ['POST /admin/users', () => ['post', USERS, { ...newIdentity(), role: 'member' }]],
      ['PATCH /admin/users/:id', (id) => ['patch', `${USERS}/${id}`, { displayName: 'Nope' }]],
      ['POST /admin/users/:id/unlock', (id) => ['post', `${USERS}/${id}/unlock`]],
      ['DELETE /admin/users/:id', (id) => ['delete', `${USERS}/${id}`]],
    ];

    it.each(calls)(
      '%s: 403 for a member and a viewer, 401 without a token',
      async (_name, call) => {
        const target = await account();
        for (const caller of [member, viewer]) {
          const [method, url, body] = call(target.id);
          const res = await http[method](url).set(bearer(caller.accessToken)).send(body);
          expect(res.status).toBe(403);
          expect(res.headers['content-type']).toMatch(/problem\+json/);
          expect(res.body.code).toBe('forbidden');
        }
        const [method, url, body] = call(target.id);
        expect((await http[method](url).send(body)).status).toBe(401);
        // nothing happened to the target
        const after = await http.get(`${USERS}/${target.id}`).set(bearer(admin.accessToken));
        expect(after.status).toBe(200);
        expect(after.body.displayName).toBe(target.identity.displayName);
      },
    );

    /** A custom role made of (action, extra) rules on User, in precedence order (later wins). */
    async function customRole(rules: [string, Partial<RolePermission>?][]): Promise<string> {
      const em = stack.api.get(EntityManager).fork();
      const role = em.create(Role, { name: `custom-${randomBytes(4).toString('hex')}` });
      rules.forEach(([action, extra], position) =>
        em.create(RolePermission, { role, action, subject: 'User', position, ...extra }),
      );
      await em.flush();
      return role.name;
    }

    it('"own" user permissions (every built-in role has them) do not open the admin API', async () => {
      const selfOnly = await account(
        await customRole([
          ['read', { own: true }],
          ['update', { own: true }],
        ]),
      );
      await http.get(USERS).set(bearer(selfOnly.accessToken)).expect(403);
      await http.get(`${USERS}/${selfOnly.id}`).set(bearer(selfOnly.accessToken)).expect(403);
      await http
        .patch(`${USERS}/${selfOnly.id}`)
        .set(bearer(selfOnly.accessToken))
        .send({ displayName: 'Me' })
        .expect(403);
    });

    it('a custom role grants exactly what it lists; a record it may see but not change is 403', async () => {
      const manager = await account(
        await customRole([
          ['read'],
          ['update'],
          // may change anyone but the admin of this test
          ['update', { inverted: true, conditions: { id: admin.id } }],
        ]),
      );
      const target = await account();
      await http.get(USERS).set(bearer(manager.accessToken)).expect(200);
      await http.get(`${USERS}/${admin.id}`).set(bearer(manager.accessToken)).expect(200);
      await http
        .patch(`${USERS}/${target.id}`)
        .set(bearer(manager.accessToken))
        .send({ displayName: 'Managed' })
        .expect(200);
      const protectedOne = await http
        .patch(`${USERS}/${admin.id}`)
        .set(bearer(manager.accessToken))
        .send({ displayName: 'Hijacked' });
      expect(protectedOne.status).toBe(403);
      await http.post(`${USERS}/${admin.id}/unlock`).set(bearer(manager.accessToken)).expect(403);
      // not granted at all: create and delete
      await http
        .post(USERS)
        .set(bearer(manager.accessToken))
        .send({ ...newIdentity(), role: 'member' })
        .expect(403);
      await http.delete(`${USERS}/${target.id}`).set(bearer(manager.accessToken)).expect(403);
      // it may not hand out a role whose permissions it does not hold itself (no escalation)
      const escalation = await http
        .patch(`${USERS}/${target.id}`)
        .set(bearer(manager.accessToken))
        .send({ role: 'admin' });
      expect(escalation.status).toBe(403);
      expect(escalation.body.code).toBe('permission_not_grantable');
      const unchanged = await http.get(`${USERS}/${target.id}`).set(bearer(admin.accessToken));
      expect(unchanged.body.role).toBe('member');
      // the self rules hold for custom roles too
      const self = await http
        .patch(`${USERS}/${manager.id}`)
        .set(bearer(manager.accessToken))
        .send({ role: 'admin' });
      expect(self.status).toBe(409);
      expect(self.body.code).toBe('cannot_modify_self');
    });
  });

  describe('POST /admin/users', () => {
    it('creates a user with a role who can sign in, and audits it without the password', async () => {
      const identity = { ...newIdentity('made'), role: 'viewer' };
      const res = await http
        .post(USERS)
        .set(bearer(admin.accessToken))
        .send({ ...identity, email: identity.email.toUpperCase() })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: identity.email,
        displayName: identity.displayName,
        role: 'viewer',
        status: 'active',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lockedUntil: null,
        activeSessions: 0,
      });
      const signedIn = await login(identity.email, identity.password).expect(200);
      expect(signedIn.body.user.role).toBe('viewer');

      const [entry] = await audit({ action: 'admin.user_created', targetId: res.body.id });
      expect(entry).toMatchObject({
        actorId: admin.id,
        targetType: 'user',
        outcome: 'success',
        metadata: {
          after: {
            email: identity.email,
            displayName: identity.displayName,
            role: 'viewer',
            status: 'active',
          },
        },
      });
      expect(JSON.stringify(entry.metadata)).not.toContain(identity.password);
    });

    it('applies the password policy (400 naming the reason)', async () => {
      const res = await http
        .post(USERS)
        .set(bearer(admin.accessToken))
        .send({ ...newIdentity(), password: 'too short', role: 'member' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'password_too_short',
        errors: [{ field: 'password' }],
      });
    });

    it('refuses an unknown role (422) and a taken e-mail (409)', async () => {
      const unknownRole = await http
        .post(USERS)
        .set(bearer(admin.accessToken))
        .send({ ...newIdentity(), role: 'superuser' });
      expect(unknownRole.status).toBe(422);
      expect(unknownRole.body).toMatchObject({ code: 'unknown_role', errors: [{ field: 'role' }] });

      const taken = await http
        .post(USERS)
        .set(bearer(admin.accessToken))
        .send({ ...newIdentity(), email: member.identity.email.toUpperCase(), role: 'member' });
      expect(taken.status).toBe(409);
      expect(taken.body.code).toBe('email_taken');
    });

    it.each([
      ['a missing role', { role: undefined }],
      ['an invalid e-mail', { email: 'not-an-address' }],
      ['an empty display name', { displayName: '  ' }],
      ['a status (not settable here)', { status: 'disabled' }],
      ['a password hash', { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y' }],
      ['an id', { id: UNKNOWN_ID }],
    ])('refuses %s with 400', async (_name, change) => {
      const identity = { ...newIdentity(), role: 'member', ...change };
      const res = await http.post(USERS).set(bearer(admin.accessToken)).send(identity);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      const email = typeof identity.email === 'string' ? identity.email : '';
      expect(await stack.api.get(EntityManager).fork().count(User, { email })).toBe(0);
    });
  });

  describe('GET /admin/users/:id', () => {
    it('shows the user with their live sessions and no lockout', async () => {
      const someone = await account();
      await login(someone.identity.email, someone.identity.password).expect(200);
      const res = await http
        .get(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .expect(200);
      expect(res.body).toEqual({
        id: someone.id,
        email: someone.identity.email,
        displayName: someone.identity.displayName,
        role: 'member',
        status: 'active',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lockedUntil: null,
        activeSessions: 2,
      });
      expect(res.body).not.toHaveProperty('passwordHash');
    });

    it('answers 404 for an unknown id and 400 for one that is not a UUID', async () => {
      const missing = await http.get(`${USERS}/${UNKNOWN_ID}`).set(bearer(admin.accessToken));
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('user_not_found');
      const garbage = await http.get(`${USERS}/not-a-uuid`).set(bearer(admin.accessToken));
      expect(garbage.status).toBe(400);
      expect(garbage.headers['content-type']).toMatch(/problem\+json/);
    });
  });

  describe('GET /admin/users', () => {
    it('searches e-mail and display name, filters by role and status, pages newest first', async () => {
      const tag = `srch${randomBytes(4).toString('hex')}`;
      const first = await created({ displayName: `First ${tag}` });
      const second = await created({ email: `${tag}-second@docent.test`, displayName: 'Second' });
      const third = await created({ displayName: `Third ${tag.toUpperCase()}`, role: 'viewer' });
      await http
        .patch(`${USERS}/${first.user.id}`)
        .set(bearer(admin.accessToken))
        .send({ status: 'disabled' })
        .expect(200);

      const page1 = await http
        .get(USERS)
        .query({ q: tag, limit: 2 })
        .set(bearer(admin.accessToken))
        .expect(200);
      expect(page1.body.items.map((u: { id: string }) => u.id)).toEqual([
        third.user.id,
        second.user.id,
      ]);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      expect(page1.body.items[0]).toEqual({
        id: third.user.id,
        email: third.identity.email,
        displayName: third.identity.displayName,
        role: 'viewer',
        status: 'active',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const page2 = await http
        .get(USERS)
        .query({ q: tag, limit: 2, cursor: page1.body.nextCursor })
        .set(bearer(admin.accessToken))
        .expect(200);
      expect(page2.body).toEqual({
        items: [expect.objectContaining({ id: first.user.id })],
        nextCursor: null,
      });

      const ids = async (query: Record<string, string>) =>
        (
          await http.get(USERS).query(query).set(bearer(admin.accessToken)).expect(200)
        ).body.items.map((u: { id: string }) => u.id);
      expect(await ids({ q: tag.toUpperCase() })).toEqual([
        third.user.id,
        second.user.id,
        first.user.id,
      ]);
      expect(await ids({ q: `${tag}-SECOND@` })).toEqual([second.user.id]);
      expect(await ids({ q: tag, role: 'viewer' })).toEqual([third.user.id]);
      expect(await ids({ q: tag, status: 'disabled' })).toEqual([first.user.id]);
      expect(await ids({ q: tag, role: 'member', status: 'active' })).toEqual([second.user.id]);
      expect(await ids({ q: tag, role: 'no-such-role' })).toEqual([]);
      // LIKE wildcards in q are literal characters
      expect(await ids({ q: `${tag}%` })).toEqual([]);
      expect(await ids({ q: `${tag}_` })).toEqual([]);
      expect(await ids({ q: `irst_${tag}` })).toEqual([]);
    });

    it('lists newest first across everyone by default (20 per page)', async () => {
      await created();
      const res = await http.get(USERS).set(bearer(admin.accessToken)).expect(200);
      expect(res.body.items.length).toBeGreaterThan(1);
      expect(res.body.items.length).toBeLessThanOrEqual(20);
      const stamps = res.body.items.map((u: { createdAt: string }) => u.createdAt);
      expect([...stamps].sort().reverse()).toEqual(stamps);
    });

    it.each([
      ['a limit over 100', { limit: '101' }],
      ['a limit of 0', { limit: '0' }],
      ['an unknown status', { status: 'sleeping' }],
      ['an unknown parameter', { sort: 'email' }],
      ['a malformed cursor', { cursor: 'bm9wZQ' }],
      [
        'a forged cursor',
        { cursor: Buffer.from('{"c":"yesterday","i":"x"}').toString('base64url') },
      ],
    ])('refuses %s with 400', async (_name, query) => {
      const res = await http.get(USERS).query(query).set(bearer(admin.accessToken));
      expect(res.status).toBe(400);
    });
  });

  describe('PATCH /admin/users/:id', () => {
    it('renames a user; they see the new name on their next request; audited with before/after', async () => {
      const someone = await account();
      const res = await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send({ displayName: '  Renamed Person ' })
        .expect(200);
      expect(res.body).toMatchObject({
        id: someone.id,
        displayName: 'Renamed Person',
        activeSessions: 1,
      });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(res.body.createdAt));
      const me = await http.get('/api/v1/auth/me').set(bearer(someone.accessToken)).expect(200);
      expect(me.body.displayName).toBe('Renamed Person');
      const [entry] = await audit({ action: 'admin.user_updated', targetId: someone.id });
      expect(entry).toMatchObject({
        actorId: admin.id,
        outcome: 'success',
        metadata: {
          before: { displayName: someone.identity.displayName },
          after: { displayName: 'Renamed Person' },
          changed: ['displayName'],
        },
      });
    });

    it("changes a role: the user's abilities change on their next request, same token", async () => {
      const someone = await account();
      await http.get(USERS).set(bearer(someone.accessToken)).expect(403);
      const res = await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send({ role: 'admin' })
        .expect(200);
      expect(res.body.role).toBe('admin');
      const me = await http.get('/api/v1/auth/me').set(bearer(someone.accessToken)).expect(200);
      expect(me.body.role).toBe('admin');
      await http.get(USERS).set(bearer(someone.accessToken)).expect(200);

      await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send({ role: 'viewer' })
        .expect(200);
      await http.get(USERS).set(bearer(someone.accessToken)).expect(403);
      const entries = await audit({ action: 'admin.user_updated', targetId: someone.id });
      expect(entries.map((e) => e.metadata)).toEqual([
        { before: { role: 'member' }, after: { role: 'admin' }, changed: ['role'] },
        { before: { role: 'admin' }, after: { role: 'viewer' }, changed: ['role'] },
      ]);
    });

    it('disables a user: their token fails on the next request, login is refused; re-enabling lets them back', async () => {
      const someone = await account();
      await http.get('/api/v1/auth/me').set(bearer(someone.accessToken)).expect(200);
      const res = await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send({ status: 'disabled' })
        .expect(200);
      expect(res.body).toMatchObject({ status: 'disabled', activeSessions: 0 });

      const me = await http.get('/api/v1/auth/me').set(bearer(someone.accessToken));
      expect(me.status).toBe(401);
      const refresh = await http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: someone.refreshToken });
      expect(refresh.status).toBe(401);
      const denied = await login(someone.identity.email, someone.identity.password);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('account_disabled');

      await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send({ status: 'active' })
        .expect(200);
      const back = await login(someone.identity.email, someone.identity.password).expect(200);
      await http.get('/api/v1/auth/me').set(bearer(back.body.accessToken)).expect(200);
      const entries = await audit({ action: 'admin.user_updated', targetId: someone.id });
      expect(entries.map((e) => e.metadata)).toEqual([
        { before: { status: 'active' }, after: { status: 'disabled' }, changed: ['status'] },
        { before: { status: 'disabled' }, after: { status: 'active' }, changed: ['status'] },
      ]);
    });

    it('changes several fields at once', async () => {
      const someone = await account();
      const res = await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send({ role: 'viewer', displayName: 'Both Changed' })
        .expect(200);
      expect(res.body).toMatchObject({
        role: 'viewer',
        displayName: 'Both Changed',
        status: 'active',
      });
    });

    it('refuses an unknown role with 422 and changes nothing', async () => {
      const someone = await account();
      const res = await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send({ role: 'overlord', displayName: 'Should Not Stick' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('unknown_role');
      const now = await http
        .get(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .expect(200);
      expect(now.body).toMatchObject({ role: 'member', displayName: someone.identity.displayName });
    });

    it.each([
      ['an empty body', {}],
      ['an e-mail (not changeable here)', { email: 'new@docent.test' }],
      ['a password hash', { passwordHash: 'x' }],
      ['a password', { password: 'plaid kettle orbit something long' }],
      ['createdAt', { createdAt: '2020-01-01T00:00:00.000Z' }],
      ['an unknown status', { status: 'banned' }],
      ['a null display name', { displayName: null }],
      ['a null role', { role: null }],
      ['an empty display name', { displayName: '' }],
      ['a display name with control characters', { displayName: 'a\u0000b' }],
    ])('refuses %s with 400 (no mass assignment)', async (_name, body) => {
      const someone = await account();
      const res = await http
        .patch(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      const now = await http
        .get(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .expect(200);
      expect(now.body).toMatchObject({ email: someone.identity.email, status: 'active' });
    });

    it('answers 404 for an unknown user and 400 for a bad id', async () => {
      const missing = await http
        .patch(`${USERS}/${UNKNOWN_ID}`)
        .set(bearer(admin.accessToken))
        .send({ displayName: 'X' });
      expect(missing.status).toBe(404);
      const garbage = await http
        .patch(`${USERS}/123`)
        .set(bearer(admin.accessToken))
        .send({ displayName: 'X' });
      expect(garbage.status).toBe(400);
    });

    it('an admin cannot disable themselves or change their own role (409), but may rename themselves', async () => {
      const self = await account('admin');
      for (const body of [
        { status: 'disabled' },
        { role: 'member' },
        { role: 'viewer', displayName: 'X' },
      ]) {
        const res = await http
          .patch(`${USERS}/${self.id}`)
          .set(bearer(self.accessToken))
          .send(body);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('cannot_modify_self');
      }
      const me = await http.get('/api/v1/auth/me').set(bearer(self.accessToken)).expect(200);
      expect(me.body).toMatchObject({ role: 'admin', displayName: self.identity.displayName });
      // a no-op on oneself is fine, and so is a new name
      await http
        .patch(`${USERS}/${self.id}`)
        .set(bearer(self.accessToken))
        .send({ role: 'admin', status: 'active', displayName: 'Admin Renamed' })
        .expect(200);
      const denied = await audit({
        action: 'admin.user_updated',
        targetId: self.id,
        outcome: 'denied',
      });
      expect(denied).toHaveLength(3);
      expect(denied[0].metadata).toMatchObject({
        reason: 'cannot_modify_self',
        requested: { status: 'disabled' },
      });
    });
  });

  describe('POST /admin/users/:id/unlock', () => {
    it('lifts a login lockout', async () => {
      const someone = await account();
      const { email, password } = someone.identity;
      for (let i = 0; i < 2; i += 1) await login(email, `${password} wrong`).expect(401);
      const locked = await login(email, password);
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('account_locked');

      const before = await http
        .get(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .expect(200);
      expect(Date.parse(before.body.lockedUntil)).toBeGreaterThan(Date.now());

      await http.post(`${USERS}/${someone.id}/unlock`).set(bearer(admin.accessToken)).expect(204);
      const after = await http
        .get(`${USERS}/${someone.id}`)
        .set(bearer(admin.accessToken))
        .expect(200);
      expect(after.body.lockedUntil).toBeNull();
      await login(email, password).expect(200);

      const [entry] = await audit({ action: 'admin.user_unlocked', targetId: someone.id });
      expect(entry).toMatchObject({
        actorId: admin.id,
        metadata: { after: { lockedUntil: null } },
      });
      const audited = (entry.metadata.before as { lockedUntil: string }).lockedUntil;
      expect(Math.abs(Date.parse(audited) - Date.parse(before.body.lockedUntil))).toBeLessThan(
        2000,
      );
    });

    it('is harmless on an account that is not locked; 404 for an unknown user, 400 for a bad id', async () => {
      const someone = await account();
      await http.post(`${USERS}/${someone.id}/unlock`).set(bearer(admin.accessToken)).expect(204);
      await http.post(`${USERS}/${UNKNOWN_ID}/unlock`).set(bearer(admin.accessToken)).expect(404);
      await http.post(`${USERS}/nope/unlock`).set(bearer(admin.accessToken)).expect(400);
    });
  });

  describe('DELETE /admin/users/:id', () => {
    it('deletes the user and their sessions: their token fails at once, login fails, audit kept', async () => {
      const someone = await account();
      const other = await login(someone.identity.email, someone.identity.password).expect(200);
      // a pending password reset token goes too
      await http
        .post('/api/v1/auth/forgot-password')
        .send({ email: someone.identity.email })
        .expect(202);
      await waitFor(
        async () =>
          (await stack.api
            .get(EntityManager)
            .fork()
            .count(PasswordResetToken, { user: someone.id })) > 0,
      );

      await http.delete(`${USERS}/${someone.id}`).set(bearer(admin.accessToken)).expect(204);

      for (const token of [someone.accessToken, other.body.accessToken as string]) {
        const me = await http.get('/api/v1/auth/me').set(bearer(token));
        expect(me.status).toBe(401);
      }
      const refresh = await http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: someone.refreshToken });
      expect(refresh.status).toBe(401);
      const signIn = await login(someone.identity.email, someone.identity.password);
      expect(signIn.status).toBe(401);
      expect(signIn.body.code).toBe('invalid_credentials');
      await http.get(`${USERS}/${someone.id}`).set(bearer(admin.accessToken)).expect(404);
      await http.delete(`${USERS}/${someone.id}`).set(bearer(admin.accessToken)).expect(404);

      const em = stack.api.get(EntityManager).fork();
      expect(await em.count(Session, { user: someone.id })).toBe(0);
      expect(await em.count(PasswordResetToken, { user: someone.id })).toBe(0);
      const [entry] = await audit({ action: 'admin.user_deleted', targetId: someone.id });
      expect(entry).toMatchObject({
        actorId: admin.id,
        outcome: 'success',
        metadata: {
          before: {
            email: someone.identity.email,
            displayName: someone.identity.displayName,
            role: 'member',
            status: 'active',
          },
          sessionsEnded: 2,
        },
      });
      // what was recorded about them before stays
      expect(await audit({ action: 'auth.register', targetId: someone.id })).toHaveLength(1);
      // the address can be used again
      await http.post('/api/v1/auth/register').send(someone.identity).expect(201);
    });

    it('an admin cannot delete themselves (409)', async () => {
      const self = await account('admin');
      const res = await http.delete(`${USERS}/${self.id}`).set(bearer(self.accessToken));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('cannot_modify_self');
      await http.get('/api/v1/auth/me').set(bearer(self.accessToken)).expect(200);
      const [entry] = await audit({ action: 'admin.user_deleted', targetId: self.id });
      expect(entry).toMatchObject({
        outcome: 'denied',
        metadata: { reason: 'cannot_modify_self' },
      });
    });

    it('another admin can be deleted while one remains', async () => {
      const otherAdmin = await account('admin');
      await http.delete(`${USERS}/${otherAdmin.id}`).set(bearer(admin.accessToken)).expect(204);
      await http.get('/api/v1/auth/me').set(bearer(otherAdmin.accessToken)).expect(401);
    });

    it('answers 400 for a bad id', async () => {
      await http.delete(`${USERS}/zzz`).set(bearer(admin.accessToken)).expect(400);
    });
  });

  it('holds the lock for changes that can remove an admin until their transaction ends', async () => {
    const em = stack.api.get(EntityManager);
    const users = stack.api.get(AdminUserRepository);
    // another connection: may it take the lock right now?
    const free = () =>
      em.fork().transactional(async (tx) => {
        const [row] = await tx.execute<{ got: boolean }[]>(
          'select pg_try_advisory_xact_lock(hashtext(?)) as got',
          [ADMIN_CHANGES_LOCK],
        );
        return row.got;
      });
    await RequestContext.create(em, () =>
      em.transactional(async () => {
        await users.lockAdminChanges();
        expect(await free()).toBe(false);
      }),
    );
    expect(await free()).toBe(true);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
