import { DocumentsHttpModule } from '@docent/documents';
import { StorageModule } from '@docent/storage';
import { indexedDocument } from './support/documents';
import { bearer, signUp, type Stack, startStack } from './support/stack';
import type { Response } from 'supertest';

interface Passage {
  documentId: string;
  filename: string;
  chunkCount: number;
  chunks: { id: string; index: number; page: number | null; content: string; cited: boolean }[];
  previousChunkId: string | null;
  nextChunkId: string | null;
}

/** An RFC 9457 answer with this status (and code). */
function expectProblem(res: Response, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (code) expect(res.body.code).toBe(code);
}

/**
 * `GET /documents/:id/chunks/:chunkId` (issue 18, the citation viewer's endpoint): a cited chunk
 * with its neighbours, readable exactly by whoever can read the document.
 */
describe('GET /documents/:id/chunks/:chunkId (a citation in context)', () => {
  let stack: Stack;
  const tag = `zp${Date.now().toString(36)}`;
  const pages = [
    'Chapter one: the harbour at dawn.',
    'The lighthouse keeper logged every ship.',
    `A ${tag} storm broke the northern pier in 1887.`,
    'Repairs took two summers and most of the town.',
    'Chapter two: the railway arrives.',
  ];

  beforeAll(async () => {
    stack = await startStack({}, { imports: [StorageModule, DocumentsHttpModule] });
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function citedChunk(token: string): Promise<{ documentId: string; chunkId: string }> {
    const res = await stack.http
      .get('/api/v1/search')
      .set(bearer(token))
      .query({ q: tag })
      .expect(200);
    const [hit] = res.body.items as { documentId: string; chunkId: string }[];
    return hit;
  }

  const passage = (token: string, documentId: string, chunkId: string, around?: number) =>
    stack.http
      .get(`/api/v1/documents/${documentId}/chunks/${chunkId}`)
      .set(bearer(token))
      .query(around === undefined ? {} : { around });

  it('gives the cited chunk with its neighbours in order, and the ids to move by one', async () => {
    const owner = await signUp(stack, { prefix: 'passage' });
    const id = await indexedDocument(stack, owner, pages, { name: 'harbour.pdf', uploaded: false });
    const hit = await citedChunk(owner.token);
    expect(hit.documentId).toBe(id);

    const body = (await passage(owner.token, id, hit.chunkId).expect(200)).body as Passage;
    expect(body).toMatchObject({ documentId: id, filename: 'harbour.pdf', chunkCount: 5 });
    expect(body.chunks.map((c) => [c.index, c.page, c.cited])).toEqual([
      [1, 2, false],
      [2, 3, true],
      [3, 4, false],
    ]);
    expect(body.chunks[1].content).toBe(pages[2]);
    expect(body.previousChunkId).toBe(body.chunks[0].id);
    expect(body.nextChunkId).toBe(body.chunks[2].id);

    // moving on by one, with more context
    const next = (await passage(owner.token, id, body.nextChunkId!, 5).expect(200)).body as Passage;
    expect(next.chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
    expect(next.chunks.find((c) => c.cited)?.index).toBe(3);
    // the last chunk has nothing after it; around=0 is the chunk alone
    const last = (await passage(owner.token, id, next.nextChunkId!, 0).expect(200)).body as Passage;
    expect(last.chunks.map((c) => c.index)).toEqual([4]);
    expect(last.nextChunkId).toBeNull();
    expect(last.previousChunkId).toBe(next.chunks[3].id);
  });

  it('is readable by a sharee, and by nobody else (the document’s 404)', async () => {
    const owner = await signUp(stack, { prefix: 'passage' });
    const reader = await signUp(stack, { prefix: 'passage' });
    const id = await indexedDocument(stack, owner, [`Only ${tag}x here.`], {
      name: 'one.pdf',
      uploaded: false,
    });
    const chunks = await stack.http
      .get('/api/v1/search')
      .set(bearer(owner.token))
      .query({ q: `${tag}x` })
      .expect(200);
    const chunkId = (chunks.body.items as { chunkId: string }[])[0].chunkId;

    expectProblem(await passage(reader.token, id, chunkId), 404, 'document_not_found');
    await stack.http
      .post(`/api/v1/documents/${id}/shares`)
      .set(bearer(owner.token))
      .send({ userId: reader.id, permission: 'read' })
      .expect(201);
    await passage(reader.token, id, chunkId).expect(200);
    await stack.http
      .delete(`/api/v1/documents/${id}/shares/${reader.id}`)
      .set(bearer(owner.token))
      .expect(204);
    expectProblem(await passage(reader.token, id, chunkId), 404, 'document_not_found');
  });

  it('answers 404 for a chunk of another document and 400 for bad input', async () => {
    const owner = await signUp(stack, { prefix: 'passage' });
    const first = await indexedDocument(stack, owner, [`First ${tag}y.`], {
      name: 'a.pdf',
      uploaded: false,
    });
    const second = await indexedDocument(stack, owner, [`Second text.`], {
      name: 'b.pdf',
      uploaded: false,
    });
    const res = await stack.http
      .get('/api/v1/search')
      .set(bearer(owner.token))
      .query({ q: `${tag}y` })
      .expect(200);
    const chunkId = (res.body.items as { chunkId: string }[])[0].chunkId;
    await passage(owner.token, first, chunkId).expect(200);
    expectProblem(await passage(owner.token, second, chunkId), 404, 'chunk_not_found');
    expectProblem(await passage(owner.token, first, 'not-a-uuid'), 400);
    expectProblem(await passage(owner.token, first, chunkId, 6), 400);
    expectProblem(await passage(owner.token, first, chunkId, -1), 400);
  });
});
