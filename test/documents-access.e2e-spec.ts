import { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { DomainEventBus, type DomainEvents } from '@docent/common';
import { Document } from '@docent/documents';
import { corpus, uploadOne, waitForStatus } from './support/documents';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';

type Actor = 'owner' | 'reader' | 'writer' | 'stranger' | 'admin';
const ACTORS: Actor[] = ['owner', 'reader', 'writer', 'stranger', 'admin'];

/** Parses a binary response body into a Buffer (supertest leaves binary types unparsed). */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** What a 404 says, without the per-request fields. */
const problem = (res: request.Response) => {
  const {
    instance: _instance,
    requestId: _requestId,
    ...rest
  } = res.body as Record<string, unknown>;
  return { status: res.status, ...rest };
};

/**
 * SPEC §4/§6 access matrix: owner, read sharee, write sharee, stranger and admin against every
 * document endpoint. A document the caller may not see answers 404 exactly like one that does
 * not exist; one they may see but not change answers 403.
 */
jest.setTimeout(60_000);

describe('document access matrix (owner, sharees, stranger, admin)', () => {
  let stack: Stack;
  let http: ReturnType<typeof request>;
  const actors = {} as Record<Actor, SignedUp>;
  let id: string;
  let original: Buffer;

  beforeAll(async () => {
    stack = await startStack({}, { worker: true });
    http = stack.http;
    actors.owner = await signUp(stack, { prefix: 'owner' });
    actors.reader = await signUp(stack, { prefix: 'reader' });
    actors.writer = await signUp(stack, { prefix: 'writer' });
    actors.stranger = await signUp(stack, { prefix: 'stranger' });
    actors.admin = await signUp(stack, { prefix: 'admin', role: 'admin' });
    original = await corpus('google-doc-document.pdf');
    id = await uploadAndIngest(actors.owner, 'zen.pdf', original);
    for (const [who, permission] of [
      ['reader', 'read'],
      ['writer', 'write'],
    ] as const) {
      await http
        .post(`/api/v1/documents/${id}/shares`)
        .set(bearer(actors.owner.token))
        .send({ userId: actors[who].id, permission })
        .expect(201);
    }
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  const em = () => stack.api.get(EntityManager).fork();
  const as = (actor: Actor) => bearer(actors[actor].token);

  async function uploadAndIngest(owner: SignedUp, name: string, content: Buffer) {
    const documentId = await uploadOne(http, owner, name, content);
    await waitForStatus(stack, [documentId]);
    return documentId;
  }

  /** Runs `call` for every actor and returns the statuses. */
  async function statuses(call: (actor: Actor) => request.Test): Promise<Record<Actor, number>> {
    const result = {} as Record<Actor, number>;
    for (const actor of ACTORS) result[actor] = (await call(actor)).status;
    return result;
  }

  it('GET /documents/:id', async () => {
    expect(await statuses((a) => http.get(`/api/v1/documents/${id}`).set(as(a)))).toEqual({
      owner: 200,
      reader: 200,
      writer: 200,
      stranger: 404,
      admin: 200,
    });
  });

  it('GET /documents/:id/content, with safe download headers', async () => {
    const result = {} as Record<Actor, number>;
    for (const actor of ACTORS) {
      const res = await http
        .get(`/api/v1/documents/${id}/content`)
        .set(as(actor))
        .buffer(true)
        .parse(binary);
      result[actor] = res.status;
      if (res.status !== 200) continue;
      expect(Buffer.compare(res.body as Buffer, original)).toBe(0);
      expect(res.headers).toMatchObject({
        'content-type': 'application/pdf',
        'content-disposition': `attachment; filename="zen.pdf"; filename*=UTF-8''zen.pdf`,
        'x-content-type-options': 'nosniff',
      });
      expect(res.headers['cache-control']).toMatch(/(^|[ ,])no-store($|[ ,])/);
    }
    expect(result).toEqual({ owner: 200, reader: 200, writer: 200, stranger: 404, admin: 200 });
  });

  it('GET /documents lists it for everyone who can read it', async () => {
    const listed = {} as Record<Actor, boolean>;
    for (const actor of ACTORS) {
      const res = await http.get('/api/v1/documents?limit=100').set(as(actor)).expect(200);
      listed[actor] = (res.body.items as { id: string }[]).some((d) => d.id === id);
    }
    expect(listed).toEqual({
      owner: true,
      reader: true,
      writer: true,
      stranger: false,
      admin: true,
    });
  });

  it('GET /search finds it for everyone who can read it, never for the stranger', async () => {
    const found = {} as Record<Actor, boolean>;
    for (const actor of ACTORS) {
      const res = await http
        .get('/api/v1/search')
        .query({ q: 'Readability counts', limit: 50 })
        .set(as(actor))
        .expect(200);
      found[actor] = (res.body.items as { documentId: string }[]).some((h) => h.documentId === id);
    }
    expect(found).toEqual({
      owner: true,
      reader: true,
      writer: true,
      stranger: false,
      admin: true,
    });
    // naming the document explicitly does not help the stranger either
    const scoped = await http
      .get('/api/v1/search')
      .query({ q: 'Readability counts', documentIds: id })
      .set(as('stranger'))
      .expect(200);
    expect(scoped.body.items).toEqual([]);
  });

  it('share management: only the owner and an admin; sharees 403, the stranger 404', async () => {
    const third = await signUp(stack, { prefix: 'third' });
    const shares = `/api/v1/documents/${id}/shares`;
    expect(await statuses((a) => http.get(shares).set(as(a)))).toEqual({
      owner: 200,
      reader: 403,
      writer: 403,
      stranger: 404,
      admin: 200,
    });
    expect(
      await statuses((a) =>
        http.post(shares).set(as(a)).send({ userId: third.id, permission: 'read' }),
      ),
    ).toEqual({
      owner: 201,
      reader: 403,
      writer: 403,
      stranger: 404,
      // the share exists by now: the admin changes it (same permission, 200)
      admin: 200,
    });
    const removal = {} as Record<Actor, number>;
    for (const actor of ['reader', 'writer', 'stranger', 'owner'] as Actor[]) {
      removal[actor] = (await http.delete(`${shares}/${third.id}`).set(as(actor))).status;
    }
    await http
      .post(shares)
      .set(as('owner'))
      .send({ userId: third.id, permission: 'read' })
      .expect(201);
    removal.admin = (await http.delete(`${shares}/${third.id}`).set(as('admin'))).status;
    expect(removal).toEqual({ owner: 204, reader: 403, writer: 403, stranger: 404, admin: 204 });
  });

  it('POST /documents/:id/reingest: owner, write sharee and admin; read sharee 403; stranger 404', async () => {
    const result = {} as Record<Actor, number>;
    for (const actor of ACTORS) {
      result[actor] = (await http.post(`/api/v1/documents/${id}/reingest`).set(as(actor))).status;
      if (result[actor] === 202) await waitForStatus(stack, [id]);
    }
    expect(result).toEqual({ owner: 202, reader: 403, writer: 202, stranger: 404, admin: 202 });
    expect((await em().findOneOrFail(Document, id)).ingestionVersion).toBe(4);
  }, 120_000);

  it('a stranger cannot tell the document from one that does not exist', async () => {
    const missing = randomUUID();
    const pairs: [string, string][] = [
      [`/api/v1/documents/${id}`, `/api/v1/documents/${missing}`],
      [`/api/v1/documents/${id}/content`, `/api/v1/documents/${missing}/content`],
      [`/api/v1/documents/${id}/shares`, `/api/v1/documents/${missing}/shares`],
    ];
    for (const [real, absent] of pairs) {
      const a = await http.get(real).set(as('stranger'));
      const b = await http.get(absent).set(as('stranger'));
      expect(problem(a)).toEqual(problem(b));
      expect(a.status).toBe(404);
    }
    const a = await http.post(`/api/v1/documents/${id}/reingest`).set(as('stranger'));
    const b = await http.post(`/api/v1/documents/${missing}/reingest`).set(as('stranger'));
    expect(problem(a)).toEqual(problem(b));
    const c = await http.delete(`/api/v1/documents/${id}`).set(as('stranger'));
    const d = await http.delete(`/api/v1/documents/${missing}`).set(as('stranger'));
    expect(problem(c)).toEqual(problem(d));
  });

  it('DELETE /documents/:id: owner and admin; sharees 403; stranger 404', async () => {
    const result = {} as Record<Actor, number>;
    for (const actor of ['reader', 'writer', 'stranger'] as Actor[]) {
      result[actor] = (await http.delete(`/api/v1/documents/${id}`).set(as(actor))).status;
    }
    expect(await em().findOne(Document, id)).not.toBeNull();
    result.admin = (await http.delete(`/api/v1/documents/${id}`).set(as('admin'))).status;
    expect(await em().findOne(Document, id)).toBeNull();
    const own = await uploadAndIngest(actors.owner, 'own.docx', await corpus('tables.docx'));
    result.owner = (await http.delete(`/api/v1/documents/${own}`).set(as('owner'))).status;
    expect(await em().findOne(Document, own)).toBeNull();
    expect(result).toEqual({ owner: 204, reader: 403, writer: 403, stranger: 404, admin: 204 });
    // gone for everyone now
    expect(await statuses((a) => http.get(`/api/v1/documents/${id}`).set(as(a)))).toEqual({
      owner: 404,
      reader: 404,
      writer: 404,
      stranger: 404,
      admin: 404,
    });
  }, 60_000);

  describe('document.shared on the api’s DomainEventBus', () => {
    it('is emitted when a share is created or its permission changes, not when nothing changes', async () => {
      const seen: DomainEvents['document.shared'][] = [];
      const off = stack.api.get(DomainEventBus).on('document.shared', (payload) => {
        seen.push(payload);
      });
      try {
        const owner = actors.owner;
        const target = await signUp(stack, { prefix: 'sharee' });
        const documentId = await uploadAndIngest(
          owner,
          'shared.docx',
          await corpus('single-paragraph.docx'),
        );
        const shares = `/api/v1/documents/${documentId}/shares`;
        await http
          .post(shares)
          .set(bearer(owner.token))
          .send({ email: target.email, permission: 'read' })
          .expect(202);
        expect(seen).toEqual([
          {
            documentId,
            filename: 'shared.docx',
            ownerId: owner.id,
            userId: target.id,
            permission: 'read',
            sharedBy: { id: owner.id, displayName: owner.displayName, email: owner.email },
          },
        ]);
        // the same permission again: nothing new for the sharee
        await http
          .post(shares)
          .set(bearer(owner.token))
          .send({ userId: target.id, permission: 'read' })
          .expect(200);
        expect(seen).toHaveLength(1);
        // an admin upgrades it: the admin is the one who shared
        await http
          .post(shares)
          .set(as('admin'))
          .send({ userId: target.id, permission: 'write' })
          .expect(200);
        expect(seen).toHaveLength(2);
        expect(seen[1]).toMatchObject({
          documentId,
          ownerId: owner.id,
          userId: target.id,
          permission: 'write',
          sharedBy: {
            id: actors.admin.id,
            displayName: actors.admin.displayName,
            email: actors.admin.email,
          },
        });
        // refused shares emit nothing
        await http
          .post(shares)
          .set(as('reader'))
          .send({ userId: actors.stranger.id, permission: 'read' })
          .expect(404);
        expect(seen).toHaveLength(2);
      } finally {
        off();
      }
    }, 60_000);
  });
});
