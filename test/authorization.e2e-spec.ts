import { Controller, Get, Module } from '@nestjs/common';
import type request from 'supertest';
import { CheckPolicies } from '@docent/authorization';
import { newIdentity, type Stack, startStack, setRole } from './support/stack';

/** A route only roles that may read the audit log can reach, as the admin endpoints will be. */
@Controller('probe')
class PolicyProbeController {
  @Get('audit')
  @CheckPolicies((ability) => ability.can('read', 'AuditEvent'))
  audit(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [PolicyProbeController] })
class PolicyProbeModule {}

type Http = ReturnType<typeof request>;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('authorization (CASL rules from PostgreSQL, cached in Redis)', () => {
  let stack: Stack;
  let http: Http;

  beforeAll(async () => {
    stack = await startStack({}, { imports: [PolicyProbeModule] });
    http = stack.http;
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function member() {
    const identity = newIdentity();
    const res = await http.post('/api/v1/auth/register').send(identity).expect(201);
    return res.body as { accessToken: string; user: { id: string } };
  }

  it("/auth/me lists the caller's rules, with their own id in the conditions", async () => {
    const { accessToken, user } = await member();
    const me = await http.get('/api/v1/auth/me').set(bearer(accessToken)).expect(200);
    expect(me.body.permissions).toEqual(
      expect.arrayContaining([
        { action: 'create', subject: 'Document' },
        { action: 'read', subject: 'Document', conditions: { ownerId: user.id } },
        { action: 'read', subject: 'ChatSession', conditions: { userId: user.id } },
      ]),
    );
    expect(me.body.permissions).not.toContainEqual(expect.objectContaining({ subject: 'all' }));
    expect(me.body.packedRules.length).toBe(me.body.permissions.length);
  });

  it('refuses a member with 403, an anonymous caller with 401, and lets an admin through', async () => {
    const { accessToken, user } = await member();
    const denied = await http.get('/api/v1/probe/audit').set(bearer(accessToken));
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    expect((await http.get('/api/v1/probe/audit')).status).toBe(401);

    // a role change applies on the very next request, with the same access token
    await setRole(stack, user.id, 'admin');
    await http.get('/api/v1/probe/audit').set(bearer(accessToken)).expect(200);
    const me = await http.get('/api/v1/auth/me').set(bearer(accessToken)).expect(200);
    expect(me.body.role).toBe('admin');
    expect(me.body.permissions[0]).toEqual({ action: 'manage', subject: 'all' });

    await setRole(stack, user.id, 'viewer');
    expect((await http.get('/api/v1/probe/audit').set(bearer(accessToken))).status).toBe(403);
  });
});
