import { randomBytes } from 'node:crypto';
import { newIdentity, type Stack, startStack, setRole } from './support/stack';

type Method = 'get' | 'post' | 'patch' | 'delete';
type RoleName = 'admin' | 'member' | 'viewer' | 'auditor';

interface Cell {
  method: Method;
  path: () => string;
  body?: () => object;
  expect: Record<RoleName, number>;
}

/**
 * Every admin endpoint for every kind of caller: the built-in roles and a custom role that may
 * only read users and the audit log. A failure names the cell (role, method, path).
 */
describe('admin authorization matrix', () => {
  let stack: Stack;
  const tokens = {} as Record<RoleName, string>;
  const targets = {} as Record<RoleName, string>; // a user each caller may act on
  let customRoleId = '';

  async function account(role: string) {
    const res = await stack.http.post('/api/v1/auth/register').send(newIdentity(role)).expect(201);
    if (role !== 'member') await setRole(stack, res.body.user.id, role);
    return res.body as { accessToken: string; user: { id: string } };
  }

  beforeAll(async () => {
    stack = await startStack();
    const admin = await account('admin');
    tokens.admin = admin.accessToken;
    const role = await stack.http
      .post('/api/v1/admin/roles')
      .set({ Authorization: `Bearer ${admin.accessToken}` })
      .send({
        name: `auditor-${randomBytes(3).toString('hex')}`,
        description: 'reads users and the audit log',
        permissions: [
          { action: 'read', subject: 'User' },
          { action: 'read', subject: 'AuditEvent' },
        ],
      })
      .expect(201);
    customRoleId = role.body.id;
    for (const name of ['member', 'viewer'] as const)
      tokens[name] = (await account(name)).accessToken;
    tokens.auditor = (await account(role.body.name)).accessToken;
    for (const name of ['admin', 'member', 'viewer', 'auditor'] as const) {
      targets[name] = (await account('member')).user.id;
    }
  });

  afterAll(async () => {
    await stack?.close();
  });

  const none = { admin: 0, member: 403, viewer: 403, auditor: 403 };
  const adminOnly = (status: number) => ({ ...none, admin: status });
  const unknownId = '01936f00-0000-7000-8000-0000000000ee';
  let caller: RoleName = 'admin';

  const table: [string, Cell][] = [
    [
      'list users',
      {
        method: 'get',
        path: () => '/api/v1/admin/users',
        expect: { ...adminOnly(200), auditor: 200 },
      },
    ],
    [
      'get a user',
      {
        method: 'get',
        path: () => `/api/v1/admin/users/${targets[caller]}`,
        expect: { ...adminOnly(200), auditor: 200 },
      },
    ],
    [
      'create a user',
      {
        method: 'post',
        path: () => '/api/v1/admin/users',
        body: () => ({ ...newIdentity('made'), role: 'viewer' }),
        expect: adminOnly(201),
      },
    ],
    [
      'update a user',
      {
        method: 'patch',
        path: () => `/api/v1/admin/users/${targets[caller]}`,
        body: () => ({ displayName: 'Renamed by the matrix' }),
        expect: adminOnly(200),
      },
    ],
    [
      'unlock a user',
      {
        method: 'post',
        path: () => `/api/v1/admin/users/${targets[caller]}/unlock`,
        expect: adminOnly(204),
      },
    ],
    ['list roles', { method: 'get', path: () => '/api/v1/admin/roles', expect: adminOnly(200) }],
    [
      'get a role',
      { method: 'get', path: () => `/api/v1/admin/roles/${customRoleId}`, expect: adminOnly(200) },
    ],
    [
      'create a role',
      {
        method: 'post',
        path: () => '/api/v1/admin/roles',
        body: () => ({
          name: `r-${randomBytes(3).toString('hex')}`,
          permissions: [{ action: 'read', subject: 'Stats' }],
        }),
        expect: adminOnly(201),
      },
    ],
    [
      'update a role',
      {
        method: 'patch',
        path: () => `/api/v1/admin/roles/${customRoleId}`,
        body: () => ({ description: `touched by ${caller}` }),
        expect: adminOnly(200),
      },
    ],
    [
      'delete a role',
      { method: 'delete', path: () => `/api/v1/admin/roles/${unknownId}`, expect: adminOnly(404) },
    ],
    [
      'permission catalogue',
      { method: 'get', path: () => '/api/v1/admin/permissions', expect: adminOnly(200) },
    ],
    [
      'audit events',
      {
        method: 'get',
        path: () => '/api/v1/admin/audit-events',
        expect: { ...adminOnly(200), auditor: 200 },
      },
    ],
    ['queues', { method: 'get', path: () => '/api/v1/admin/queues', expect: adminOnly(200) }],
    [
      'queue jobs',
      {
        method: 'get',
        path: () => '/api/v1/admin/queues/mail/jobs?state=failed',
        expect: adminOnly(200),
      },
    ],
    [
      'retry a job',
      {
        method: 'post',
        path: () => '/api/v1/admin/queues/mail/jobs/424242/retry',
        expect: adminOnly(404),
      },
    ],
    [
      'remove a job',
      {
        method: 'delete',
        path: () => '/api/v1/admin/queues/mail/jobs/424242',
        expect: adminOnly(404),
      },
    ],
    ['stats', { method: 'get', path: () => '/api/v1/admin/stats', expect: adminOnly(200) }],
    // last: it removes the target
    [
      'delete a user',
      {
        method: 'delete',
        path: () => `/api/v1/admin/users/${targets[caller]}`,
        expect: adminOnly(204),
      },
    ],
  ];

  it('gives every role the expected status on every admin endpoint', async () => {
    const wrong: string[] = [];
    for (const role of ['member', 'viewer', 'auditor', 'admin'] as const) {
      caller = role;
      for (const [name, cell] of table) {
        const path = cell.path();
        let req = stack.http[cell.method](path).set({ Authorization: `Bearer ${tokens[role]}` });
        if (cell.body) req = req.send(cell.body());
        const res = await req;
        if (res.status !== cell.expect[role]) {
          wrong.push(
            `${role} × ${name} (${cell.method.toUpperCase()} ${path}): expected ${cell.expect[role]}, got ${res.status} ${res.body?.code ?? ''}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers 401 to every admin endpoint without a token', async () => {
    caller = 'admin';
    const open: string[] = [];
    for (const [name, cell] of table) {
      const res = await stack.http[cell.method](cell.path());
      if (res.status !== 401) open.push(`${name}: ${res.status}`);
    }
    expect(open).toEqual([]);
  });
});
