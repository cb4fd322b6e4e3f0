import { uploadAccepted, waitForStatus } from './support/documents';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';

/**
 * Guard rail (issue 12 #5): nothing a caller observes in search or chat — hits, order, scores,
 * snippets, answers, citations — depends on documents they cannot read. Alice's results are
 * captured byte for byte, a stranger then uploads documents full of the probed words (one of
 * them a copy of Alice's own text, so every term is shared), and Alice's results must come back
 * byte-identical. A share, which does make a stranger's document readable, must change them, so
 * this test can fail; revoking it must restore them exactly. Everything goes through the real
 * api and the worker's ingestion.
 */

const FALCONS = [
  'Peregrine falcons nest on the ledges of the old harbor lighthouse. Each spring the pair returns ' +
    'to the same ledge, and the harbor master keeps a ledger of the dates the first egg appears.',
  'A falcon hunts over open water at dawn. The keepers say the birds prefer the eastern ledge, ' +
    'where the wind off the harbor lifts them without effort and the pigeons gather near the quay.',
  'Ringing the chicks is done in late May. Volunteers climb the lighthouse stairs with a basket, ' +
    'weigh each chick, fit a numbered ring and write the weight in the ledger before noon.',
  'In storms the falcons shelter inside the lantern room. The lighthouse has not been lit since ' +
    'nineteen sixty, so the birds are left alone there through the whole of the winter.',
  "The harbor pigeons are the falcons' main prey. A survey of feathers under the ledge counted " +
    'pigeons, starlings and a single gull, which the keepers think was found already dead.',
  'Visitors may watch the nest from the quay through a telescope the harbor society installed. ' +
    'Flash photography is not allowed, and the stairs stay closed from March until the chicks fly.',
  'Fledging happens in late June. For a week the young falcons practise short flights between ' +
    'the lighthouse gallery and the harbor cranes before they leave for the marshes inland.',
].join('\n\n');

const LEDGER = [
  'Quarterly ledger audits compare every invoice with the bank statement. The auditor marks ' +
    'each line that matches and lists the rest for the finance team to explain within a week.',
  'Invoices older than ninety days are escalated. The audit committee reads the escalation list ' +
    'at its monthly meeting and decides which suppliers are contacted by the director.',
  'The harbor authority pays its suppliers from the same ledger, so the auditor also checks the ' +
    'mooring fees and the fuel invoices against the boat register every quarter.',
].join('\n\n');

const GARDEN = [
  'Compost the rose cuttings only after the leaves have dried. Mixed with grass clippings and ' +
    'shredded cardboard the heap warms quickly and is ready to spread by the autumn.',
  'Tulip bulbs go into the ground in October, a hand deep, pointed end up. Roses are pruned in ' +
    'March, just above an outward facing bud, and fed with compost in April.',
].join('\n\n');

/** The stranger's words: every probed term, over and over, plus one they alone use. */
const PROBE_PARAGRAPH =
  'falcon falcons peregrine harbor lighthouse ledger audit invoice compost roses tulips zeppelin ' +
  'falcon ledger harbor compost audit zeppelin peregrine lighthouse invoice roses';
const PROBE = Array.from({ length: 30 }, () => PROBE_PARAGRAPH).join('\n\n');
const FILLER = Array.from(
  { length: 40 },
  (_, i) =>
    `Entry ${i}: the falcon watch at the harbor logged ${i + 3} sightings; the ledger was audited ` +
    'and the zeppelin hangar compost heap was turned again.',
).join('\n\n');
/** Made readable to Alice by a share at the end: holds the best answer to the first question. */
const SHARED_ANSWER =
  'Peregrine falcons nest near the harbor on the lighthouse ledges, every single spring.';

const QUESTIONS = [
  'Where do peregrine falcons nest near the harbor?',
  'How are quarterly ledger audits done?',
  'When should I compost roses and plant tulips?',
  'falcon ledger harbor compost',
  // a guessed word only the stranger uses, next to a control word Alice's documents hold
  'zeppelin falcon',
  'zeppelin',
];

describe('search and chat observe nothing of documents the caller cannot read', () => {
  let stack: Stack;
  let alice: SignedUp;
  let stranger: SignedUp;
  let falcons: string;

  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_CHAT: '10000/1m' }, { worker: true });
    alice = await signUp(stack, { prefix: 'privacy-alice' });
    stranger = await signUp(stack, { prefix: 'privacy-stranger' });
    const ids = await upload(alice, {
      'falcons.txt': FALCONS,
      'ledger.md': LEDGER,
      'garden.txt': GARDEN,
    });
    falcons = ids.get('falcons.txt')!;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** Uploads text files through the api and waits until the worker has completed every one. */
  async function upload(owner: SignedUp, files: Record<string, string>) {
    const { accepted } = await uploadAccepted(
      stack.http,
      owner,
      Object.entries(files).map(([name, content]) => ({
        name,
        content,
        contentType: name.endsWith('.md') ? 'text/markdown' : 'text/plain',
      })),
    );
    const ids = new Map(accepted.map((document) => [document.filename, document.id]));
    await waitForStatus(stack, [...ids.values()], 'completed', 90_000);
    return ids;
  }

  /**
   * Everything Alice can observe for each question, as bytes: the raw JSON of `GET /search`
   * (all documents, and limited to falcons.txt), and the answer text and citations of a chat
   * question (a session over everything, and one limited to falcons.txt).
   */
  async function observe(): Promise<Record<string, string>> {
    const seen: Record<string, string> = {};
    const session = async (documentIds?: string[]) =>
      (
        await stack.http
          .post('/api/v1/chat/sessions')
          .set(bearer(alice.token))
          .send(documentIds ? { documentIds } : {})
          .expect(201)
      ).body.id as string;
    const everything = await session();
    const limited = await session([falcons]);
    for (const q of QUESTIONS) {
      for (const [label, query] of [
        ['search', { q, limit: '100' }],
        ['search falcons.txt', { q, limit: '100', documentIds: falcons }],
      ] as const) {
        const res = await stack.http
          .get('/api/v1/search')
          .set(bearer(alice.token))
          .query(query)
          .expect(200);
        seen[`${label}: ${q}`] = res.text;
      }
      for (const [label, id] of [
        ['chat', everything],
        ['chat falcons.txt', limited],
      ] as const) {
        const res = await stack.http
          .post(`/api/v1/chat/sessions/${id}/messages`)
          .set(bearer(alice.token))
          .send({ content: q })
          .expect(201);
        const { content, citations } = res.body.assistantMessage as {
          content: string;
          citations: unknown[];
        };
        seen[`${label}: ${q}`] = JSON.stringify({ content, citations });
      }
    }
    return seen;
  }

  it('gives Alice byte-identical results before and after a stranger uploads documents full of her words; a share changes them', async () => {
    const before = await observe();
    // the guard rail only means something if the questions find things and score them
    const firstHits = JSON.parse(before[`search: ${QUESTIONS[0]}`]) as {
      items: { documentId: string; score: number }[];
    };
    expect(firstHits.items.length).toBeGreaterThan(2);
    expect(firstHits.items[0].documentId).toBe(falcons);
    // several chunks of one document, so the order within a document is observed too
    expect(firstHits.items.filter((hit) => hit.documentId === falcons).length).toBeGreaterThan(1);
    expect(JSON.parse(before[`chat: ${QUESTIONS[0]}`]).citations.length).toBeGreaterThan(0);
    expect(JSON.parse(before['search: zeppelin']).items).toEqual([]);

    const strangers = await upload(stranger, {
      'probe.txt': PROBE,
      'filler.md': FILLER,
      // Alice's own text under another owner: every one of her terms, in the same proportions
      'copy.txt': FALCONS,
      'answer.txt': SHARED_ANSWER,
    });
    const after = await observe();
    expect(after).toEqual(before);

    // a share does make the stranger's document readable: hits and scores change
    const answer = strangers.get('answer.txt')!;
    await stack.http
      .post(`/api/v1/documents/${answer}/shares`)
      .set(bearer(stranger.token))
      .send({ userId: alice.id, permission: 'read' })
      .expect(201);
    const shared = await observe();
    // every search that found several chunks now ranks with the statistics of a larger readable
    // set (N and avgdl change even where no df does), so their relative scores move (a single
    // hit scores 1 + its closeness of meaning, relative to itself: nothing there to move)
    const scored = Object.keys(before).filter(
      (key) =>
        key.startsWith('search') &&
        (JSON.parse(before[key]) as { items: unknown[] }).items.length >= 2,
    );
    // 7 of the 12 searches find several chunks (the others one or none)
    expect(scored.length).toBeGreaterThanOrEqual(7);
    for (const key of scored) {
      expect({ key, changed: shared[key] !== before[key] }).toEqual({ key, changed: true });
    }
    const sharedHits = JSON.parse(shared[`search: ${QUESTIONS[0]}`]) as {
      items: { documentId: string }[];
    };
    expect(sharedHits.items.map((hit) => hit.documentId)).toContain(answer);
    expect(shared[`chat: ${QUESTIONS[0]}`]).toContain(answer);

    // and revoking it gives back exactly what Alice saw before
    await stack.http
      .delete(`/api/v1/documents/${answer}/shares/${alice.id}`)
      .set(bearer(stranger.token))
      .expect(204);
    expect(await observe()).toEqual(before);
  }, 180_000);
});
