import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Controller, Get, Module } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import supertest from 'supertest';
import { createApiApp } from '../apps/api/src/bootstrap';
import { AuditEvent } from '@docent/audit';
import { AccountService } from '@docent/auth';
import { CheckPolicies, PERMISSION_CATALOGUE } from '@docent/authorization';
import { newIdentity, type Stack, startStack } from './support/stack';

/** Routes guarded like admin endpoints, to prove a custom role's permissions are enforced. */
@Controller('probe/roles')
class RoleProbeController {
  @Get('audit')
  @CheckPolicies((ability) => ability.can('read', 'AuditEvent'))
  audit(): { ok: true } {
    return { ok: true };
  }

  @Get('stats')
  @CheckPolicies((ability) => ability.can('read', 'Stats'))
  stats(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [RoleProbeController] })
class RoleProbeModule {}

type Http = ReturnType<typeof request>;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const UNKNOWN_ID = '01936f00-0000-7000-8000-0000000000ee';
/** The test database is shared by the run's files: every role name is unique to its test. */
const uniqueName = (base: string) => `${base}-${randomBytes(4).toString('hex')}`;

interface RoleBody {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  permissions: { action: string; subject: string; own: boolean }[];
  rules: {
    action: string;
    subject: string;
    own: boolean;
    inverted: boolean;
    conditions: Record<string, unknown> | null;
    fields: string[] | null;
  }[];
  createdAt: string;
  updatedAt: string;
}

describe('admin: roles and the permission catalogue', () => {
  let stack: Stack;
  let http: Http;
  let admin: { accessToken: string; user: { id: string } };

  beforeAll(async () => {
    stack = await startStack({}, { imports: [RoleProbeModule] });
    http = stack.http;
    admin = await register();
    await setRole(admin.user.id, 'admin');
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function register(): Promise<{ accessToken: string; user: { id: string } }> {
    const res = await http.post('/api/v1/auth/register').send(newIdentity('roles')).expect(201);
    return res.body as { accessToken: string; user: { id: string } };
  }

  async function setRole(userId: string, role: string): Promise<void> {
    const accounts = stack.api.get(AccountService);
    await RequestContext.create(stack.api.get(EntityManager), async () => {
      await accounts.setRole((await accounts.findById(userId))!, role);
    });
  }

  const asAdmin = {
    get: (url: string) => http.get(url).set(bearer(admin.accessToken)),
    post: (url: string, body: object) => http.post(url).set(bearer(admin.accessToken)).send(body),
    patch: (url: string, body: object) => http.patch(url).set(bearer(admin.accessToken)).send(body),
    delete: (url: string) => http.delete(url).set(bearer(admin.accessToken)),
  };

  async function createRole(body: object): Promise<RoleBody> {
    const res = await asAdmin.post('/api/v1/admin/roles', body);
    expect(res.status).toBe(201);
    return res.body as RoleBody;
  }

  async function roleByName(name: string): Promise<RoleBody> {
    const list = await asAdmin.get('/api/v1/admin/roles?limit=3').expect(200);
    const found = (list.body.items as RoleBody[]).find((role) => role.name === name);
    if (!found) throw new Error(`no built-in role ${name}`);
    return found;
  }

  function auditOf(targetId: string): Promise<AuditEvent[]> {
    return stack.api
      .get(EntityManager)
      .fork()
      .find(AuditEvent, { targetType: 'role', targetId }, { orderBy: { id: 'asc' } });
  }

  it('lists the permission catalogue as one page', async () => {
    const res = await asAdmin.get('/api/v1/admin/permissions').expect(200);
    expect(res.body).toEqual({
      items: PERMISSION_CATALOGUE.map(({ action, subject, ownable }) => ({
        action,
        subject,
        ownable,
      })),
      nextCursor: null,
    });
    expect(res.body.items).toContainEqual({ action: 'read', subject: 'Document', ownable: true });
    expect(res.body.items).toContainEqual({ action: 'read', subject: 'Role', ownable: false });
    expect(res.body.items).not.toContainEqual(expect.objectContaining({ action: 'manage' }));
  });

  it('lists roles built-in first, then by name, page by page', async () => {
    await createRole({ name: uniqueName('aaa-list'), permissions: [] });
    await createRole({ name: uniqueName('zzz-list'), permissions: [] });

    const first = await asAdmin.get('/api/v1/admin/roles').expect(200);
    expect((first.body.items as RoleBody[]).slice(0, 3).map((role) => role.name)).toEqual([
      'admin',
      'member',
      'viewer',
    ]);

    const names: string[] = [];
    const builtIn: boolean[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/admin/roles?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await asAdmin.get(url).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const role of page.body.items as RoleBody[]) {
        names.push(role.name);
        builtIn.push(role.builtIn);
      }
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(new Set(names).size).toBe(names.length);
    expect(builtIn.slice(0, 3)).toEqual([true, true, true]);
    expect(builtIn.slice(3)).not.toContain(true);
    const custom = names.slice(3);
    expect(custom).toEqual([...custom].sort());

    const bad = await asAdmin.get('/api/v1/admin/roles?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_cursor');
    expect((await asAdmin.get('/api/v1/admin/roles?limit=101')).status).toBe(400);
    expect((await asAdmin.get('/api/v1/admin/roles?sort=name')).status).toBe(400);
  });

  it('shows built-in roles as permissions plus their raw rules, so nothing is hidden', async () => {
    const adminRole = await roleByName('admin');
    expect(adminRole.builtIn).toBe(true);
    expect(adminRole.permissions).toEqual([{ action: 'manage', subject: 'all', own: false }]);
    // the inverted, conditional rules have no catalogue form: they are in `rules`
    expect(adminRole.rules).toContainEqual({
      action: 'read',
      subject: 'ChatSession',
      own: false,
      inverted: true,
      conditions: { userId: { $ne: '${user.id}' } },
      fields: null,
    });

    const member = await roleByName('member');
    expect(member.permissions).toEqual(
      expect.arrayContaining([
        { action: 'create', subject: 'Document', own: false },
        { action: 'read', subject: 'Document', own: true },
        { action: 'read', subject: 'ChatSession', own: true },
      ]),
    );
    expect(member.rules).toHaveLength(member.permissions.length);

    const one = await asAdmin.get(`/api/v1/admin/roles/${member.id}`).expect(200);
    expect(one.body).toEqual(member);
    expect(Object.keys(one.body).sort()).toEqual(
      [
        'builtIn',
        'createdAt',
        'description',
        'id',
        'name',
        'permissions',
        'rules',
        'updatedAt',
      ].sort(),
    );
  });

  it('answers 404 for an unknown role and 400 for an id that is not a UUID', async () => {
    const missing = await asAdmin.get(`/api/v1/admin/roles/${UNKNOWN_ID}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('role_not_found');
    expect(String(missing.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect((await asAdmin.get('/api/v1/admin/roles/not-a-uuid')).status).toBe(400);
    expect((await asAdmin.patch(`/api/v1/admin/roles/${UNKNOWN_ID}`, {})).status).toBe(404);
    expect((await asAdmin.patch('/api/v1/admin/roles/42', {})).status).toBe(400);
    expect((await asAdmin.delete(`/api/v1/admin/roles/${UNKNOWN_ID}`)).status).toBe(404);
    expect((await asAdmin.delete('/api/v1/admin/roles/42')).status).toBe(400);
  });

  it("an edit made through one api instance reaches the role's users on another on their next request", async () => {
    // each instance keeps a role's rules in memory, checked against the role's version in Redis
    // on every request: instance B has the rules in memory before the edit made through A
    const other = await createApiApp({ config: stack.config, imports: [RoleProbeModule] });
    await other.init();
    await other.getHttpAdapter().getInstance().ready();
    try {
      const viaOther = supertest(other.getHttpServer());
      const name = uniqueName('reader');
      const role = await createRole({
        name,
        description: 'Reads the audit log',
        permissions: [{ action: 'read', subject: 'AuditEvent' }],
      });
      const identity = newIdentity('roles');
      const registered = await http.post('/api/v1/auth/register').send(identity).expect(201);
      await setRole(registered.body.user.id, name);
      // a token that names the new role (the version read with the caller's state is that role's)
      const signedIn = await http
        .post('/api/v1/auth/login')
        .send({ email: identity.email, password: identity.password })
        .expect(200);
      const user = { accessToken: signedIn.body.accessToken as string };
      await viaOther.get('/api/v1/probe/roles/audit').set(bearer(user.accessToken)).expect(200);
      expect(
        (await viaOther.get('/api/v1/probe/roles/stats').set(bearer(user.accessToken))).status,
      ).toBe(403);

      await asAdmin
        .patch(`/api/v1/admin/roles/${role.id}`, {
          permissions: [{ action: 'read', subject: 'Stats' }],
        })
        .expect(200);
      expect(
        (await viaOther.get('/api/v1/probe/roles/audit').set(bearer(user.accessToken))).status,
      ).toBe(403);
      await viaOther.get('/api/v1/probe/roles/stats').set(bearer(user.accessToken)).expect(200);
      const me = await viaOther.get('/api/v1/auth/me').set(bearer(user.accessToken)).expect(200);
      expect(me.body.permissions).toEqual([{ action: 'read', subject: 'Stats' }]);
    } finally {
      await other.close();
    }
  });

  it('creates a custom role whose permissions are enforced, and edits reach its users on their next request', async () => {
    const name = uniqueName('auditor');
    const role = await createRole({
      name,
      description: '  Reads the audit log  ',
      permissions: [
        { action: 'read', subject: 'AuditEvent' },
        { action: 'read', subject: 'Document', own: true },
      ],
    });
    expect(role).toMatchObject({
      name,
      description: 'Reads the audit log',
      builtIn: false,
      permissions: [
        { action: 'read', subject: 'AuditEvent', own: false },
        { action: 'read', subject: 'Document', own: true },
      ],
    });
    expect(role.rules.every((rule) => !rule.inverted && rule.conditions === null)).toBe(true);
    expect(new Date(role.createdAt).toISOString()).toBe(role.createdAt);
    expect((await asAdmin.get(`/api/v1/admin/roles/${role.id}`).expect(200)).body).toEqual(role);

    const user = await register();
    await setRole(user.user.id, name);
    // same access token: the role comes from the user's current state
    await http.get('/api/v1/probe/roles/audit').set(bearer(user.accessToken)).expect(200);
    const lacking = await http.get('/api/v1/probe/roles/stats').set(bearer(user.accessToken));
    expect(lacking.status).toBe(403);
    expect(lacking.body.code).toBe('forbidden');
    const me = await http.get('/api/v1/auth/me').set(bearer(user.accessToken)).expect(200);
    expect(me.body.role).toBe(name);
    expect(me.body.permissions).toEqual([
      { action: 'read', subject: 'AuditEvent' },
      { action: 'read', subject: 'Document', conditions: { ownerId: user.user.id } },
    ]);
    // no admin endpoint without a Role permission
    expect((await http.get('/api/v1/admin/roles').set(bearer(user.accessToken))).status).toBe(403);

    // replace the permissions: the very next request sees the change (rules cache invalidated)
    const patched = await asAdmin
      .patch(`/api/v1/admin/roles/${role.id}`, {
        permissions: [{ action: 'read', subject: 'Stats' }],
      })
      .expect(200);
    expect(patched.body.permissions).toEqual([{ action: 'read', subject: 'Stats', own: false }]);
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(role.updatedAt));
    expect((await http.get('/api/v1/probe/roles/audit').set(bearer(user.accessToken))).status).toBe(
      403,
    );
    await http.get('/api/v1/probe/roles/stats').set(bearer(user.accessToken)).expect(200);

    // a rename keeps the users' permissions (their cached role name follows)
    const renamed = uniqueName('statistician');
    const afterRename = await asAdmin
      .patch(`/api/v1/admin/roles/${role.id}`, { name: renamed })
      .expect(200);
    expect(afterRename.body.name).toBe(renamed);
    await http.get('/api/v1/probe/roles/stats').set(bearer(user.accessToken)).expect(200);
    const meAfter = await http.get('/api/v1/auth/me').set(bearer(user.accessToken)).expect(200);
    expect(meAfter.body.role).toBe(renamed);

    // and the old name is free again, as a role of its own
    const reused = await createRole({ name, permissions: [] });
    expect(reused.id).not.toBe(role.id);
  });

  it('lets a custom role manage roles, but only grant what it holds itself', async () => {
    const managerRole = await createRole({
      name: uniqueName('role-manager'),
      permissions: [
        { action: 'read', subject: 'Role' },
        { action: 'create', subject: 'Role' },
        { action: 'update', subject: 'Role' },
        { action: 'read', subject: 'AuditEvent' },
        { action: 'read', subject: 'Document', own: true },
      ],
    });
    const manager = await register();
    await setRole(manager.user.id, managerRole.name);
    const as = (method: 'post' | 'patch', url: string, body: object) =>
      http[method](url).set(bearer(manager.accessToken)).send(body);

    await http.get('/api/v1/admin/roles').set(bearer(manager.accessToken)).expect(200);
    const escalate = await as('post', '/api/v1/admin/roles', {
      name: uniqueName('escalated'),
      permissions: [
        { action: 'read', subject: 'AuditEvent' },
        { action: 'read', subject: 'Stats' },
        { action: 'read', subject: 'Document' },
      ],
    });
    expect(escalate.status).toBe(403);
    expect(escalate.body.code).toBe('permission_not_grantable');
    expect(escalate.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'permissions.1',
      'permissions.2',
    ]);

    const made = await as('post', '/api/v1/admin/roles', {
      name: uniqueName('delegated'),
      permissions: [
        { action: 'read', subject: 'AuditEvent' },
        { action: 'read', subject: 'Document', own: true },
      ],
    });
    expect(made.status).toBe(201);
    // no delete permission: the guard refuses
    expect(
      (await http.delete(`/api/v1/admin/roles/${made.body.id}`).set(bearer(manager.accessToken)))
        .status,
    ).toBe(403);

    // permissions a role already has may be kept by someone who could not grant them
    const rich = await createRole({
      name: uniqueName('rich'),
      permissions: [
        { action: 'read', subject: 'Stats' },
        { action: 'read', subject: 'AuditEvent' },
      ],
    });
    const keep = await as('patch', `/api/v1/admin/roles/${rich.id}`, {
      permissions: [{ action: 'read', subject: 'Stats' }],
    });
    expect(keep.status).toBe(200);
    const widen = await as('patch', `/api/v1/admin/roles/${rich.id}`, {
      permissions: [
        { action: 'read', subject: 'Stats' },
        { action: 'read', subject: 'Queue' },
      ],
    });
    expect(widen.status).toBe(403);
    expect(widen.body.errors).toEqual([
      { field: 'permissions.1', message: expect.stringContaining('read Queue') },
    ]);
  });

  it("keeps admins from creating a role that reads other people's chats", async () => {
    const refused = await asAdmin.post('/api/v1/admin/roles', {
      name: uniqueName('chat-reader'),
      permissions: [{ action: 'read', subject: 'ChatSession' }],
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('permission_not_grantable');
    // limited to the user's own chats it is fine
    await createRole({
      name: uniqueName('chatter'),
      permissions: [{ action: 'read', subject: 'ChatSession', own: true }],
    });
  });

  it('validates the role and its permissions', async () => {
    const post = (body: object) => asAdmin.post('/api/v1/admin/roles', body);

    const unknown = await post({
      name: uniqueName('bad'),
      permissions: [
        { action: 'read', subject: 'Stats' },
        { action: 'fly', subject: 'Document' },
        { action: 'manage', subject: 'all' },
      ],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('unknown_permission');
    expect(unknown.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'permissions.1',
      'permissions.2',
    ]);

    const notOwnable = await post({
      name: uniqueName('bad'),
      permissions: [{ action: 'read', subject: 'AuditEvent', own: true }],
    });
    expect(notOwnable.status).toBe(422);
    expect(notOwnable.body.code).toBe('permission_not_ownable');
    expect(notOwnable.body.errors[0].field).toBe('permissions.0');

    const duplicate = await post({
      name: uniqueName('bad'),
      permissions: [
        { action: 'read', subject: 'Document', own: true },
        { action: 'read', subject: 'Stats' },
        { action: 'read', subject: 'Document' },
      ],
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.code).toBe('duplicate_permission');
    expect(duplicate.body.errors[0].field).toBe('permissions.2');

    for (const name of ['Auditor', 'a', '1st', 'has space', 'x'.repeat(49), '-lead', 'émile']) {
      const res = await post({ name, permissions: [] });
      expect([name, res.status, res.body.errors?.[0]?.field]).toEqual([name, 400, 'name']);
    }
    const unknownField = await post({ name: uniqueName('bad'), permissions: [], builtIn: true });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.code).toBe('validation_failed');
    const nestedUnknown = await post({
      name: uniqueName('bad'),
      permissions: [{ action: 'read', subject: 'Stats', conditions: { id: 1 } }],
    });
    expect(nestedUnknown.status).toBe(400);
    expect((await post({ name: uniqueName('bad') })).status).toBe(400);
    expect((await post({ name: uniqueName('bad'), permissions: ['read:Stats'] })).status).toBe(400);
    expect(
      (
        await post({
          name: uniqueName('bad'),
          permissions: [{ action: 'read', subject: 'Stats', own: 'yes' }],
        })
      ).status,
    ).toBe(400);

    const taken = await post({ name: 'member', permissions: [] });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('role_name_taken');

    const role = await createRole({ name: uniqueName('valid'), permissions: [] });
    const patch = (body: object) => asAdmin.patch(`/api/v1/admin/roles/${role.id}`, body);
    expect((await patch({ description: null })).status).toBe(400);
    expect((await patch({ name: null })).status).toBe(400);
    expect((await patch({ builtIn: true })).status).toBe(400);
    expect((await patch({ name: 'No Caps' })).status).toBe(400);
    const clash = await patch({ name: 'viewer' });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('role_name_taken');
    const badPermission = await patch({ permissions: [{ action: 'share', subject: 'Role' }] });
    expect(badPermission.status).toBe(422);
    expect(badPermission.body.code).toBe('unknown_permission');

    // nothing was stored by any refused request
    const after = await asAdmin.get(`/api/v1/admin/roles/${role.id}`).expect(200);
    expect(after.body).toEqual(role);
  });

  it('protects built-in roles: no rename, no permission change, no delete', async () => {
    const member = await roleByName('member');
    const rename = await asAdmin.patch(`/api/v1/admin/roles/${member.id}`, { name: 'members' });
    expect(rename.status).toBe(409);
    expect(rename.body.code).toBe('builtin_role');
    const rules = await asAdmin.patch(`/api/v1/admin/roles/${member.id}`, {
      permissions: [{ action: 'read', subject: 'Stats' }],
    });
    expect(rules.status).toBe(409);
    expect(rules.body.code).toBe('builtin_role');
    for (const name of ['admin', 'member', 'viewer']) {
      const role = await roleByName(name);
      const res = await asAdmin.delete(`/api/v1/admin/roles/${role.id}`);
      expect([name, res.status, res.body.code]).toEqual([name, 409, 'builtin_role']);
    }
    // the same name is no rename
    await asAdmin.patch(`/api/v1/admin/roles/${member.id}`, { name: 'member' }).expect(200);
    const unchanged = await roleByName('member');
    expect(unchanged).toEqual(member);
  });

  it('refuses to delete a role still assigned to users, and deletes it once unused', async () => {
    const role = await createRole({
      name: uniqueName('temp'),
      permissions: [{ action: 'read', subject: 'Stats' }],
    });
    const holder = await register();
    await setRole(holder.user.id, role.name);

    const inUse = await asAdmin.delete(`/api/v1/admin/roles/${role.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('role_in_use');
    expect(inUse.body.userCount).toBe(1);
    await asAdmin.get(`/api/v1/admin/roles/${role.id}`).expect(200);

    await setRole(holder.user.id, 'member');
    await asAdmin.delete(`/api/v1/admin/roles/${role.id}`).expect(204);
    expect((await asAdmin.get(`/api/v1/admin/roles/${role.id}`)).status).toBe(404);
    expect((await asAdmin.delete(`/api/v1/admin/roles/${role.id}`)).status).toBe(404);

    const unused = await createRole({ name: uniqueName('unused'), permissions: [] });
    await asAdmin.delete(`/api/v1/admin/roles/${unused.id}`).expect(204);
  });

  it('refuses every endpoint to a member with 403', async () => {
    const member = await register();
    const builtIn = await roleByName('viewer');
    const calls: [string, request.Test][] = [
      ['GET permissions', http.get('/api/v1/admin/permissions')],
      ['GET roles', http.get('/api/v1/admin/roles')],
      ['GET role', http.get(`/api/v1/admin/roles/${builtIn.id}`)],
      [
        'POST role',
        http.post('/api/v1/admin/roles').send({ name: uniqueName('nope'), permissions: [] }),
      ],
      ['PATCH role', http.patch(`/api/v1/admin/roles/${builtIn.id}`).send({ description: 'x' })],
      ['DELETE role', http.delete(`/api/v1/admin/roles/${builtIn.id}`)],
      // refused before the body or the id is even looked at
      ['POST garbage', http.post('/api/v1/admin/roles').send({ nonsense: true })],
      ['GET garbage id', http.get('/api/v1/admin/roles/not-a-uuid')],
    ];
    for (const [name, call] of calls) {
      const res = await call.set(bearer(member.accessToken));
      expect([name, res.status, res.body.code]).toEqual([name, 403, 'forbidden']);
    }
  });

  it('audits every change with its before and after values', async () => {
    const name = uniqueName('audited');
    const role = await createRole({
      name,
      description: 'first',
      permissions: [{ action: 'read', subject: 'Stats' }],
    });
    // a request that changes nothing is not an admin action
    await asAdmin.patch(`/api/v1/admin/roles/${role.id}`, { description: 'first' }).expect(200);
    const renamed = uniqueName('audited2');
    await asAdmin
      .patch(`/api/v1/admin/roles/${role.id}`, {
        name: renamed,
        permissions: [
          { action: 'read', subject: 'Stats' },
          { action: 'read', subject: 'User', own: true },
        ],
      })
      .expect(200);
    await asAdmin.delete(`/api/v1/admin/roles/${role.id}`).expect(204);

    const events = await auditOf(role.id);
    expect(events.map((event) => event.action)).toEqual([
      'admin.role_created',
      'admin.role_updated',
      'admin.role_deleted',
    ]);
    for (const event of events) {
      expect(event.actorId).toBe(admin.user.id);
      expect(event.outcome).toBe('success');
      expect(event.requestId).toEqual(expect.any(String));
    }
    const [created, updated, deleted] = events;
    expect(created.metadata).toEqual({
      after: {
        name,
        description: 'first',
        permissions: [{ action: 'read', subject: 'Stats', own: false }],
      },
    });
    expect(updated.metadata).toEqual({
      before: {
        name,
        description: 'first',
        permissions: [{ action: 'read', subject: 'Stats', own: false }],
      },
      after: {
        name: renamed,
        description: 'first',
        permissions: [
          { action: 'read', subject: 'Stats', own: false },
          { action: 'read', subject: 'User', own: true },
        ],
      },
      changed: ['name', 'permissions'],
    });
    expect(deleted.metadata).toEqual({
      before: {
        name: renamed,
        description: 'first',
        permissions: [
          { action: 'read', subject: 'Stats', own: false },
          { action: 'read', subject: 'User', own: true },
        ],
      },
    });
  });

  it("audits a built-in role's description change, the one edit built-ins accept", async () => {
    const viewer = await roleByName('viewer');
    const original = viewer.description;
    try {
      const res = await asAdmin
        .patch(`/api/v1/admin/roles/${viewer.id}`, { description: `${original} (edited)` })
        .expect(200);
      expect(res.body.description).toBe(`${original} (edited)`);
      expect(res.body.permissions).toEqual(viewer.permissions);
    } finally {
      await asAdmin
        .patch(`/api/v1/admin/roles/${viewer.id}`, { description: original })
        .expect(200);
    }
    const events = (await auditOf(viewer.id)).filter(
      (event) => event.actorId === admin.user.id && event.action === 'admin.role_updated',
    );
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[events.length - 2].metadata).toMatchObject({
      before: { name: 'viewer', description: original },
      after: { name: 'viewer', description: `${original} (edited)` },
      changed: ['description'],
    });
  });
});
