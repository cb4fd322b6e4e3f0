import { EntityManager } from '@mikro-orm/postgresql';
import type request from 'supertest';
import { AuditEvent } from '@docent/audit';
import { DocumentShare, DocumentsHttpModule } from '@docent/documents';
import { StorageModule } from '@docent/storage';
import { uploadOne } from './support/documents';
import { bearer, signUp, type Stack, startStack } from './support/stack';

type Http = ReturnType<typeof request>;
interface Caller {
  token: string;
  id: string;
  email: string;
  displayName: string;
}

describe('document shares (SPEC §6)', () => {
  let stack: Stack;
  let http: Http;

  beforeAll(async () => {
    stack = await startStack({}, { imports: [StorageModule, DocumentsHttpModule] });
    http = stack.http;
  });

  afterAll(async () => {
    await stack?.close();
  });

  const register = (role?: string): Promise<Caller> => signUp(stack, { role, prefix: 'share' });

  const em = () => stack.api.get(EntityManager).fork();

  const shares = (id: string) => `/api/v1/documents/${id}/shares`;

  function share(caller: Caller, id: string, body: Record<string, unknown>) {
    return http.post(shares(id)).set(bearer(caller.token)).send(body);
  }

  it('shares by id (201) and by e-mail, updates the permission (200), lists and audits', async () => {
    const owner = await register();
    const alice = await register();
    const bob = await register();
    const id = await uploadOne(http, owner);

    const created = await share(owner, id, { userId: alice.id, permission: 'read' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      userId: alice.id,
      email: alice.email,
      displayName: alice.displayName,
      permission: 'read',
      createdAt: expect.any(String),
    });

    // by e-mail the answer says nothing about the address (test/document-shares-privacy)
    const byEmail = await share(owner, id, {
      email: `  ${bob.email.toUpperCase()} `,
      permission: 'write',
    });
    expect(byEmail.status).toBe(202);
    expect(byEmail.body).toEqual({ email: bob.email, permission: 'write' });

    const updated = await share(owner, id, { userId: alice.id, permission: 'write' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      userId: alice.id,
      permission: 'write',
      createdAt: created.body.createdAt,
    });

    const list = await http.get(shares(id)).set(bearer(owner.token)).expect(200);
    expect(list.body.items).toEqual([
      { ...created.body, permission: 'write' },
      {
        userId: bob.id,
        email: bob.email,
        displayName: bob.displayName,
        permission: 'write',
        createdAt: expect.any(String),
      },
    ]);

    const audit = await em().find(
      AuditEvent,
      { action: 'document.shared', targetId: id },
      { orderBy: { occurredAt: 'asc', id: 'asc' } },
    );
    expect(audit.map((event) => [event.actorId, event.metadata])).toEqual([
      [owner.id, { userId: alice.id, before: null, after: 'read' }],
      [owner.id, { userId: bob.id, before: null, after: 'write' }],
      [owner.id, { userId: alice.id, before: 'read', after: 'write' }],
    ]);

    // the sharee now reads the document and sees it in their list
    await http.get(`/api/v1/documents/${id}`).set(bearer(alice.token)).expect(200);
    const theirs = await http.get('/api/v1/documents').set(bearer(alice.token)).expect(200);
    expect(theirs.body.items.map((d: { id: string }) => d.id)).toEqual([id]);
  });

  it('refuses bad targets and bodies with their codes', async () => {
    const owner = await register();
    const other = await register();
    const viewer = await register('viewer');
    const id = await uploadOne(http, owner);

    for (const body of [
      { permission: 'read' },
      { userId: other.id, email: other.email, permission: 'read' },
      { userId: other.id, permission: 'admin' },
      { userId: other.id },
      { userId: 'not-a-uuid', permission: 'read' },
      { email: 'not-an-email', permission: 'read' },
    ]) {
      const res = await share(owner, id, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }

    const unknownId = await share(owner, id, {
      userId: '01936f00-0000-7000-8000-00000000ffff',
      permission: 'read',
    });
    expect(unknownId.status).toBe(422);
    expect(unknownId.body.code).toBe('share_target_not_found');
    // an unknown e-mail answers like a known one and creates nothing
    const unknownEmail = await share(owner, id, {
      email: 'nobody-here@docent.test',
      permission: 'read',
    });
    expect(unknownEmail.status).toBe(202);
    expect(unknownEmail.body).toEqual({ email: 'nobody-here@docent.test', permission: 'read' });
    expect(await em().count(DocumentShare, { document: id })).toBe(0);

    const self = await share(owner, id, { userId: owner.id, permission: 'read' });
    expect(self.status).toBe(422);
    expect(self.body.code).toBe('cannot_share_with_owner');

    const viewerWrite = await share(owner, id, { userId: viewer.id, permission: 'write' });
    expect(viewerWrite.status).toBe(422);
    expect(viewerWrite.body.code).toBe('permission_not_allowed_for_role');
    await share(owner, id, { userId: viewer.id, permission: 'read' }).expect(201);
    await http.get(`/api/v1/documents/${id}`).set(bearer(viewer.token)).expect(200);

    // an admin manages shares of anyone's document, but not with the owner
    const admin = await register('admin');
    const byAdmin = await share(admin, id, { userId: other.id, permission: 'read' });
    expect(byAdmin.status).toBe(201);
    const adminToOwner = await share(admin, id, { userId: owner.id, permission: 'read' });
    expect(adminToOwner.status).toBe(422);
    expect(adminToOwner.body.code).toBe('cannot_share_with_owner');
    await http.get(shares(id)).set(bearer(admin.token)).expect(200);
    await http.get(shares('not-a-uuid')).set(bearer(owner.token)).expect(400);
  });

  it('answers 404 to strangers and 403 to sharees on share management', async () => {
    const owner = await register();
    const reader = await register();
    const writer = await register();
    const stranger = await register();
    const id = await uploadOne(http, owner);
    await share(owner, id, { userId: reader.id, permission: 'read' }).expect(201);
    await share(owner, id, { userId: writer.id, permission: 'write' }).expect(201);

    const attempts = (caller: Caller) => [
      http.get(shares(id)).set(bearer(caller.token)),
      http
        .post(shares(id))
        .set(bearer(caller.token))
        .send({ userId: stranger.id, permission: 'read' }),
      http.delete(`${shares(id)}/${reader.id}`).set(bearer(caller.token)),
    ];
    for (const req of attempts(stranger)) {
      const res = await req;
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('document_not_found');
    }
    for (const caller of [reader, writer]) {
      for (const req of attempts(caller)) {
        const res = await req;
        expect(res.status).toBe(403);
      }
    }
    // an unknown document is 404 for the owner too
    await http
      .get(shares('01936f00-0000-7000-8000-00000000fffe'))
      .set(bearer(owner.token))
      .expect(404);
    expect(await em().count(DocumentShare, { document: id })).toBe(2);
  });

  it('a write sharee may reingest (not delete); a read sharee may do neither', async () => {
    const owner = await register();
    const reader = await register();
    const writer = await register();
    const id = await uploadOne(http, owner);
    await share(owner, id, { userId: reader.id, permission: 'read' }).expect(201);
    await share(owner, id, { userId: writer.id, permission: 'write' }).expect(201);

    const refused = await http.post(`/api/v1/documents/${id}/reingest`).set(bearer(reader.token));
    expect(refused.status).toBe(403);
    await http.delete(`/api/v1/documents/${id}`).set(bearer(reader.token)).expect(403);

    const accepted = await http
      .post(`/api/v1/documents/${id}/reingest`)
      .set(bearer(writer.token))
      .expect(202);
    expect(accepted.body).toMatchObject({ id, status: 'queued' });
    await http.delete(`/api/v1/documents/${id}`).set(bearer(writer.token)).expect(403);
  });

  it('unsharing removes access at once (204), audits it, and 404s an absent share', async () => {
    const owner = await register();
    const reader = await register();
    const id = await uploadOne(http, owner);
    await share(owner, id, { userId: reader.id, permission: 'read' }).expect(201);
    await http.get(`/api/v1/documents/${id}`).set(bearer(reader.token)).expect(200);

    await http
      .delete(`${shares(id)}/${reader.id}`)
      .set(bearer(owner.token))
      .expect(204);
    const gone = await http.get(`/api/v1/documents/${id}`).set(bearer(reader.token));
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('document_not_found');
    const list = await http.get('/api/v1/documents').set(bearer(reader.token)).expect(200);
    expect(list.body.items).toEqual([]);
    await http.get(shares(id)).set(bearer(reader.token)).expect(404);

    const again = await http.delete(`${shares(id)}/${reader.id}`).set(bearer(owner.token));
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('share_not_found');
    await http
      .delete(`${shares(id)}/not-a-uuid`)
      .set(bearer(owner.token))
      .expect(400);

    const audit = await em().find(AuditEvent, { action: 'document.unshared', targetId: id });
    expect(audit).toHaveLength(1);
    expect(audit[0].actorId).toBe(owner.id);
    expect(audit[0].metadata).toEqual({ userId: reader.id, before: 'read' });
    expect((await http.get(shares(id)).set(bearer(owner.token)).expect(200)).body.items).toEqual(
      [],
    );
  });

  it('documents the endpoints in OpenAPI', async () => {
    const spec = await http.get('/docs-json').expect(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/documents/{id}/shares',
        '/api/v1/documents/{id}/shares/{userId}',
      ]),
    );
  });
});
