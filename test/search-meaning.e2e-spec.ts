import { EntityManager } from '@mikro-orm/postgresql';
import { EMBEDDING_DIMENSIONS } from '@docent/documents';
import { uploadAccepted, waitForStatus } from './support/documents';
import { waitFor } from './support/http';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';

/**
 * Issue 15: ranking by meaning beside the words (sentence embeddings). Real api, worker (which
 * embeds the chunks), PostgreSQL and Redis; the bundled encoder in its thread.
 */
const PARAGRAPHS: Record<string, string> = {
  'normandy.txt':
    'The Normans were the people who in the tenth and eleventh centuries gave their name to Normandy, a region in France. They descended from Norse raiders from Denmark, Iceland and Norway.',
  'festival.txt':
    'The Normandy country fair is located on the old market square. Country dancers from all over Normandy come to the fair, and the Normandy cider tent is located beside the stage.',
  'cheese.txt':
    'Camembert is a soft cheese made in Normandy from cow milk. The Normandy cheese makers ripen it for three weeks in cool cellars.',
  'ports.txt':
    'Le Havre and Cherbourg are the largest ports of Normandy; ferries from Britain are located in Cherbourg harbour.',
};
/** Answered by normandy.txt, which shares only "Normans" and "from" with it. */
const QUESTION = 'Where did the ancestors of the Normans come from?';

interface Hit {
  documentId: string;
  filename: string;
  score: number;
}

describe('ranking by meaning (sentence embeddings)', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const em = () => stack!.api.get(EntityManager).fork();

  async function uploadParagraphs(person: SignedUp): Promise<Map<string, string>> {
    const { accepted } = await uploadAccepted(
      stack!.http,
      person,
      Object.entries(PARAGRAPHS).map(([name, content]) => ({
        name,
        content,
        contentType: 'text/plain',
      })),
    );
    await waitForStatus(
      stack!,
      accepted.map((document) => document.id),
      'completed',
      60_000,
    );
    return new Map(accepted.map((document) => [document.filename, document.id]));
  }

  async function search(person: SignedUp, q: string): Promise<Hit[]> {
    const res = await stack!.http
      .get('/api/v1/search')
      .set(bearer(person.token))
      .query({ q })
      .expect(200);
    return res.body.items as Hit[];
  }

  /** How many of the documents' chunks have a vector, and how many chunks they have. */
  async function vectors(ids: string[]): Promise<{ chunks: number; embedded: number }> {
    const [row] = await em().execute<{ chunks: number; embedded: number }[]>(
      `select count(*)::int as chunks, count(e.chunk_id)::int as embedded
         from document_chunks c left join document_chunk_embeddings e on e.chunk_id = c.id
        where c.document_id in (select jsonb_array_elements_text(?::jsonb)::uuid)`,
      [JSON.stringify(ids)],
    );
    return row;
  }

  it('gives every chunk of an ingested document its vector before it completes; they go with it', async () => {
    stack = await startStack({}, { worker: true });
    const person = await signUp(stack, { prefix: 'meaning' });
    const ids = await uploadParagraphs(person);
    // completed means embedded: no search ever sees these documents without their vectors
    expect(await vectors([...ids.values()])).toEqual({ chunks: 4, embedded: 4 });
    const stored = await em().execute<{ dims: number; length: number }[]>(
      `select array_length(e.embedding, 1) as dims,
              sqrt((select sum(x * x) from unnest(e.embedding) x)) as length
         from document_chunk_embeddings e join document_chunks c on c.id = e.chunk_id
        where c.document_id = ?`,
      [ids.get('normandy.txt')],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0].dims).toBe(EMBEDDING_DIMENSIONS);
    expect(Number(stored[0].length)).toBeCloseTo(1, 3);

    // the question's meaning puts the paragraph that answers it first
    expect((await search(person, QUESTION))[0].filename).toBe('normandy.txt');
    // deleting a document deletes its chunks' vectors
    const normandy = ids.get('normandy.txt')!;
    const chunkIds = (
      await em().execute<{ id: string }[]>('select id from document_chunks where document_id = ?', [
        normandy,
      ])
    ).map((row) => row.id);
    await stack.http.delete(`/api/v1/documents/${normandy}`).set(bearer(person.token)).expect(204);
    const [left] = await em().execute<{ n: number }[]>(
      `select count(*)::int as n from document_chunk_embeddings
        where chunk_id in (select jsonb_array_elements_text(?::jsonb)::uuid)`,
      [JSON.stringify(chunkIds)],
    );
    expect(left.n).toBe(0);
  }, 90_000);

  it('ranks by words alone with embeddings off; a worker with them on then embeds what was indexed without', async () => {
    stack = await startStack({ EMBEDDINGS_ENABLED: 'false' }, { worker: true });
    const person = await signUp(stack, { prefix: 'meaning-off' });
    const ids = [...(await uploadParagraphs(person)).values()];
    expect(await vectors(ids)).toEqual({ chunks: 4, embedded: 0 });
    // by its words, the festival paragraph (Normandy, located, country) comes first
    const byWords = await search(person, QUESTION);
    expect(byWords.map((hit) => hit.filename).slice(0, 2)).toEqual([
      'festival.txt',
      'normandy.txt',
    ]);
    await stack.close();

    // a worker with embeddings on catches up at start (and every minute) on completed chunks
    stack = await startStack({}, { worker: true });
    const signedIn = await stack.http
      .post('/api/v1/auth/login')
      .send({ email: person.email, password: person.password })
      .expect(200);
    person.token = signedIn.body.accessToken as string;
    await waitFor(async () => (await vectors(ids)).embedded === 4, 60_000);
    const byMeaning = await search(person, QUESTION);
    expect(byMeaning[0].filename).toBe('normandy.txt');
    // the same documents, only reordered
    expect(byMeaning.map((hit) => hit.documentId).sort()).toEqual(
      byWords.map((hit) => hit.documentId).sort(),
    );
  }, 120_000);
});
