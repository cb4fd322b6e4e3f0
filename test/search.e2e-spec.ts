import type request from 'supertest';
import { DocumentsHttpModule } from '@docent/documents';
import { StorageModule } from '@docent/storage';
import { indexedDocument } from './support/documents';
import { bearer, signUp, type Stack, startStack } from './support/stack';

type Http = ReturnType<typeof request>;
interface Caller {
  token: string;
  id: string;
}
interface Hit {
  chunkId: string;
  documentId: string;
  filename: string;
  page: number | null;
  snippet: string;
  score: number;
}

describe('GET /search (full-text over readable chunks)', () => {
  let stack: Stack;
  let http: Http;

  beforeAll(async () => {
    stack = await startStack({}, { imports: [StorageModule, DocumentsHttpModule] });
    http = stack.http;
  });

  afterAll(async () => {
    await stack?.close();
  });

  const register = (): Promise<Caller> => signUp(stack, { prefix: 'search' });

  const indexed = (
    caller: Caller,
    pages: string[],
    options: { name?: string; status?: 'completed' | 'processing'; uploaded?: boolean } = {},
  ) => indexedDocument(stack, caller, pages, options);

  function search(caller: Caller, query: Record<string, string>) {
    return http.get('/api/v1/search').set(bearer(caller.token)).query(query);
  }

  async function hits(caller: Caller, query: Record<string, string>): Promise<Hit[]> {
    const res = await search(caller, query).expect(200);
    return res.body.items as Hit[];
  }

  // a word no other test file uses, so results are limited to this file's chunks
  const tag = `zq${Date.now().toString(36)}`;

  it('finds chunks for a natural question, ranks the more relevant first, highlights', async () => {
    const owner = await register();
    const id = await indexed(owner, [
      `The ${tag} pump needs a new gasket every winter. Replace the gasket when the pump leaks water ` +
        `and check the ${tag} pump pressure afterwards.`,
      `Our ${tag} garden has roses and tulips; the weather was mild this spring.`,
      `Invoices are paid within thirty days of receipt.`,
    ]);

    const results = await hits(owner, {
      q: `How often should I replace the gasket on my ${tag} pump when it leaks?`,
    });
    expect(results.length).toBe(2);
    expect(results[0]).toEqual({
      chunkId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      documentId: id,
      filename: 'minimal-document.pdf',
      page: 1,
      snippet: expect.stringContaining('«gasket»'),
      score: expect.any(Number),
    });
    expect(results[1].page).toBe(2);
    expect(results[0].score).toBeGreaterThan(results[1].score);
    expect(results[1].snippet).toMatch(/«[^»]+»/);

    // words that are all absent find nothing; stop words alone have no lexemes
    expect(await hits(owner, { q: 'xylophone quartzite' })).toEqual([]);
    expect(await hits(owner, { q: 'the and of' })).toEqual([]);
    // tsquery syntax in the query is not interpreted
    expect(await hits(owner, { q: `gasket & !${tag} | ' : * ( \\` })).not.toEqual([]);
    // limit
    expect(await hits(owner, { q: `${tag} pump garden`, limit: '1' })).toHaveLength(1);
  });

  it('searches only completed documents the caller can read; shares open and close access', async () => {
    const owner = await register();
    const stranger = await register();
    const word = `${tag}falcon`;
    const id = await indexed(owner, [`The ${word} nests on the cliff.`], {
      name: 'single-paragraph.docx',
    });
    await indexed(owner, [`A ${word} that is still processing.`], { status: 'processing' });

    expect((await hits(owner, { q: word })).map((hit) => hit.documentId)).toEqual([id]);
    expect(await hits(stranger, { q: word })).toEqual([]);
    // scoping to an id the caller cannot read reveals nothing
    expect(await hits(stranger, { q: word, documentIds: id })).toEqual([]);

    await http
      .post(`/api/v1/documents/${id}/shares`)
      .set(bearer(owner.token))
      .send({ userId: stranger.id, permission: 'read' })
      .expect(201);
    expect((await hits(stranger, { q: word })).map((hit) => hit.documentId)).toEqual([id]);

    await http
      .delete(`/api/v1/documents/${id}/shares/${stranger.id}`)
      .set(bearer(owner.token))
      .expect(204);
    expect(await hits(stranger, { q: word })).toEqual([]);
  });

  it('limits the scope to documentIds, ignoring ids the caller cannot read', async () => {
    const owner = await register();
    const other = await register();
    const word = `${tag}heron`;
    const first = await indexed(owner, [`A ${word} waits by the river.`]);
    const second = await indexed(owner, [`Another ${word} flies south.`], {
      name: 'single-paragraph.docx',
    });
    const foreign = await indexed(other, [`The ${word} of someone else.`]);

    const all = await hits(owner, { q: word });
    expect(all.map((hit) => hit.documentId).sort()).toEqual([first, second].sort());
    const scoped = await hits(owner, { q: word, documentIds: `${second}, ${foreign}` });
    expect(scoped.map((hit) => hit.documentId)).toEqual([second]);
  });

  it('group=document keeps the best chunk of each document', async () => {
    const owner = await register();
    const word = `${tag}heron`;
    const many = await indexed(
      owner,
      Array.from({ length: 4 }, (_, i) => `The ${word} ${word} stands in the river, heron ${i}.`),
    );
    const one = await indexed(owner, [`A ${word} flew over the long grey lake of many boats.`], {
      name: 'heron.txt',
      uploaded: false,
    });
    const chunks = await hits(owner, { q: word, limit: '3' });
    expect(chunks.map((h) => h.documentId)).toEqual([many, many, many]);
    const documents = await hits(owner, { q: word, limit: '3', group: 'document' });
    expect(documents.map((h) => h.documentId)).toEqual([many, one]);
    expect(documents[0]).toEqual(chunks[0]);
    expect(await hits(owner, { q: word, limit: '3', group: 'chunk' })).toEqual(chunks);
  });

  it('ranks question words close together above the same words far apart', async () => {
    const owner = await register();
    const [a, b] = [`${tag}amber`, `${tag}basalt`];
    const filler = 'river stone hill cloud field';
    await indexed(owner, [`${a} ${filler} ${b}.`, `${a} ${b} ${filler}.`]);
    const results = await hits(owner, { q: `${a} ${b}?` });
    expect(results.map((h) => h.page)).toEqual([2, 1]);
    expect(results[0].score).toBeGreaterThan(results[1].score);
  });

  it('matches other forms of a long word by its prefix, below the exact form', async () => {
    const owner = await register();
    await indexed(owner, [
      `The ${tag} atlas covers geography.`,
      `The ${tag} atlas is geographical.`,
      `Nothing about maps here.`,
    ]);
    // 'geographical' → geograph, 'geography' → geographi: the stemmer keeps them apart
    const results = await hits(owner, { q: 'geographical' });
    expect(results.map((h) => h.page)).toEqual([2, 1]);
    expect(results[0].score).toBeGreaterThan(results[1].score);
  });

  it('validates q, limit and documentIds (400)', async () => {
    const caller = await register();
    for (const query of [
      {},
      { q: '' },
      { q: 'x'.repeat(501) },
      { q: 'ok', limit: '0' },
      { q: 'ok', limit: '101' },
      { q: 'ok', limit: 'ten' },
      { q: 'ok', group: 'paragraph' },
      { q: 'ok', documentIds: 'not-a-uuid' },
      { q: 'ok', documentIds: `${'01936f00-0000-7000-8000-000000000001'},nope` },
    ]) {
      const res = await search(caller, query as Record<string, string>);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
    await http.get('/api/v1/search').query({ q: 'ok' }).expect(401);
  });

  it('accepts limit up to 100, like every list (SPEC §2)', async () => {
    const owner = await register();
    const word = `${tag}plover`;
    await indexed(
      owner,
      Array.from({ length: 120 }, (_, i) => `The ${word} number ${i} runs along the beach.`),
    );
    expect(await hits(owner, { q: word, limit: '100' })).toHaveLength(100);
    expect(await hits(owner, { q: word, limit: '50' })).toHaveLength(50);
    expect(await hits(owner, { q: word })).toHaveLength(10);
  });
});
