import type { GenerationEvent, QueryTerm, RetrievedChunk } from '../chat.contracts';
import { NO_ANSWER } from './answer-text';
import { type Analyze, ExtractiveGenerator, MAX_CHUNK_CHARS } from './extractive.generator';

/**
 * A stand-in for PostgreSQL's `english` analysis (the e2e tests use the real one): lowercase
 * words, a few stop words dropped, a trailing "s" stripped; the question's IDF (which retrieval
 * hands over in the app) from a fixed table.
 */
const STOP = new Set([
  'what',
  'is',
  'the',
  'a',
  'of',
  'on',
  'does',
  'do',
  'than',
  'to',
  'in',
  'how',
  'are',
  'who',
  'when',
  'where',
  'many',
  'did',
  'was',
  'were',
  'by',
  'and',
  'it',
  'has',
  'have',
  'much',
]);
const IDF: Record<string, number> = {
  better: 0.5,
  count: 2,
  readability: 3,
  air: 2.5,
  import: 2.5,
};
const lex = (text: string) => [
  ...new Set(
    (text.toLowerCase().match(/[a-z]+/g) ?? [])
      .filter((w) => !STOP.has(w))
      .map((w) => (w.endsWith('s') ? w.slice(0, -1) : w))
      .map((w) => (w.endsWith('ed') ? w.slice(0, -2) : w)),
  ),
];
const analyze: Analyze = async (texts) => texts.map(lex);
const terms = (question: string): QueryTerm[] =>
  lex(question)
    .sort()
    .map((lexeme) => ({ lexeme, idf: IDF[lexeme] ?? 4 }));

const chunk = (id: string, content: string, score: number, page: number | null = 1) =>
  ({
    chunkId: id,
    documentId: `doc-${id}`,
    filename: `${id}.pdf`,
    page,
    content,
    score,
  }) satisfies RetrievedChunk;

const ZEN = chunk(
  'zen',
  'Example document\nBeautiful is better than ugly.\nExplicit is better than implicit.\nReadability counts.\nErrors should never pass silently.',
  1.5,
);
const AIR = chunk('air', 'Walking on imported air', 0.8, null);

async function run(
  question: string,
  chunks: RetrievedChunk[],
  signal = new AbortController().signal,
  analyzer: Analyze = analyze,
): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of new ExtractiveGenerator(analyzer).generate({
    question,
    chunks,
    terms: terms(question),
    history: [],
    signal,
  })) {
    events.push(event);
  }
  return events;
}

function done(events: GenerationEvent[]) {
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error('no done event');
  return last;
}

describe('ExtractiveGenerator', () => {
  it('quotes the sentence that answers, with a numbered marker and its citation', async () => {
    const events = await run('Readability counts?', [AIR, ZEN]);
    const result = done(events);
    expect(result.content).toBe('Readability counts. [1]');
    expect(result.citations).toEqual([
      {
        documentId: 'doc-zen',
        filename: 'zen.pdf',
        page: 1,
        chunkId: 'zen',
        snippet: 'Readability counts.',
        score: expect.any(Number),
      },
    ]);
    expect(result.answerTokens).toBeGreaterThan(0);
  });

  it('streams several token events whose concatenation is the content, then exactly one done', async () => {
    const events = await run('What does the document say about imported air and readability?', [
      ZEN,
      AIR,
    ]);
    const tokens = events.filter((e) => e.type === 'token');
    expect(tokens.length).toBeGreaterThan(1);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('done');
    const result = done(events);
    expect(tokens.map((t) => (t.type === 'token' ? t.text : '')).join('')).toBe(result.content);
  });

  it('cites sentences from distinct chunks, markers in citation order', async () => {
    const result = done(await run('imported air readability', [ZEN, AIR]));
    expect(result.citations.map((c) => c.chunkId).sort()).toEqual(['air', 'zen']);
    result.citations.forEach((c, i) => expect(result.content).toContain(`${c.snippet} [${i + 1}]`));
  });

  it('says the documents do not contain the answer, citing nothing, when nothing covers the question', async () => {
    const result = done(await run('What is the boiling point of mercury on Mars?', [ZEN, AIR]));
    expect(result.content).toBe(NO_ANSWER);
    expect(result.citations).toEqual([]);
  });

  it('answers nothing without chunks, and nothing for a question without lexemes', async () => {
    expect(done(await run('Readability counts?', [])).citations).toEqual([]);
    expect(done(await run('What is the?', [ZEN])).content).toBe(NO_ANSWER);
  });

  it('does not answer from a sentence matching only a minor part of the question', async () => {
    // "better" is common (low IDF); "spaceship" and "fuel" are not in the chunk at all
    const result = done(await run('Is spaceship fuel better?', [ZEN]));
    expect(result.citations).toEqual([]);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run('Readability counts?', [ZEN], controller.signal)).rejects.toMatchObject({
      code: 'generation_aborted',
    });
  });

  describe('answers like a person', () => {
    it('never answers with a heading alone: the crazy ones (its words count for the next sentence)', async () => {
      const apple = chunk(
        'apple',
        "The Crazy Ones\nHere's to the crazy ones. The misfits. The rebels. The troublemakers. The round pegs in the square holes.",
        2,
      );
      const result = done(await run('What are the crazy ones?', [apple]));
      expect(result.content).not.toMatch(/^The Crazy Ones\s*\[1\]$/);
      expect(result.content).toBe("Here's to the crazy ones. [1]");
      expect(result.citations.map((c) => c.snippet)).toEqual(["Here's to the crazy ones."]);
    });

    it('quotes the sentence under a title even when only the title matches the question', async () => {
      const ad = chunk(
        'ad',
        'Think Different\nThe campaign was created by an agency in Los Angeles for the computer maker.',
        2,
      );
      const result = done(await run('What is Think Different?', [ad]));
      expect(result.content).toBe(
        'The campaign was created by an agency in Los Angeles for the computer maker. [1]',
      );
    });

    it('answers from a list of short lines (a list is not a run of headings)', async () => {
      const menu = chunk('menu', 'Menu\nEspresso 2.50\nLatte 3.00\nMocha 3.50', 1);
      expect(done(await run('How much is a latte?', [menu])).content).toBe('Latte 3.00 [1]');
    });

    const BRIDGE = chunk(
      'bridge',
      'The velvetine bridge spans the wide river Astel between the two old market towns. ' +
        'The velvetine bridge was designed by the engineer Ada Marlow after a long public competition. ' +
        'After six years of work the velvetine bridge opened to traffic in 1902, with a parade. ' +
        'The finished velvetine bridge carries a road on 14 stone arches over the valley floor.',
      3,
    );

    it.each([
      ['Who designed the velvetine bridge?', 'Ada Marlow.'],
      ['When did the velvetine bridge open?', '1902.'],
      ['How many arches does the velvetine bridge have?', '14 stone arches.'],
      ['Where does the velvetine bridge span the river?', 'Astel.'],
    ])('%s → the short answer first, then the sentence with its citation', async (q, short) => {
      const result = done(await run(q, [BRIDGE]));
      expect(result.content.startsWith(`${short} `)).toBe(true);
      expect(result.citations).toHaveLength(1);
      expect(result.content).toBe(`${short} ${result.citations[0].snippet} [1]`);
    });

    it('quotes a long sentence around its answer, with ellipses, in at most maxQuoteWords words', async () => {
      const long = chunk(
        'long',
        `${'After a great many meetings of the council and several rounds of letters between the towns, '.repeat(3)}the velvetine bridge finally opened in 1902 to carts and walkers.`,
        1,
      );
      const result = done(await run('When did the velvetine bridge open?', [long]));
      const snippet = result.citations[0].snippet;
      expect(snippet).toMatch(/^… .*opened in 1902 to carts and walkers\.$/);
      expect(snippet.split(/\s+/).filter((w) => w !== '…').length).toBeLessThanOrEqual(32);
      expect(result.content).toBe(`1902. ${snippet} [1]`);
    });

    it('says the documents do not say when the best sentence covers too little of the question', async () => {
      const result = done(
        await run('When did the velvetine bridge over the Danube collapse in the flood?', [
          chunk('other', 'The velvet shop sold ribbons. Bridges need maintenance.', 1),
        ]),
      );
      expect(result.content).toBe(NO_ANSWER);
      expect(result.citations).toEqual([]);
    });

    it('numbers the citation after the chunk quoted, not after the retrieval order', async () => {
      const result = done(await run('Who designed the velvetine bridge?', [ZEN, AIR, BRIDGE]));
      expect(result.citations[0]).toMatchObject({ chunkId: 'bridge', documentId: 'doc-bridge' });
      result.citations.forEach((c, i) =>
        expect(result.content).toContain(`${c.snippet} [${i + 1}]`),
      );
      expect(result.content).not.toContain('[2]');
    });

    it.each([
      [
        'one 1 MB line of words',
        `${'lorem ipsum dolor '.repeat(58_000)} velvetine bridge opened in 1902.`,
      ],
      ['1 MB of dots and spaces', `${'. '.repeat(500_000)}`],
      ['1 MB of one word', 'a'.repeat(1_000_000)],
      ['1 MB of short lowercase lines', 'a\n'.repeat(500_000)],
    ])('reads a bounded part of a huge passage (%s)', async (_name, content) => {
      const seen: string[] = [];
      const counting: Analyze = async (texts) => {
        seen.push(...texts);
        return analyze(texts);
      };
      const events = await run(
        'When did the velvetine bridge open?',
        [chunk('huge', content, 1), BRIDGE],
        new AbortController().signal,
        counting,
      );
      expect(done(events).citations[0]?.chunkId).toBe('bridge');
      expect(seen.join(' ').length).toBeLessThan(MAX_CHUNK_CHARS * 3);
    });
  });
});
