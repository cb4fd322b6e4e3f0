import type { GenerationEvent, QueryTerm, RetrievedChunk } from '../chat.contracts';
import { NO_ANSWER } from './answer-text';
import { type Analyze, ExtractiveGenerator } from './extractive.generator';

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
      .map((w) => (w === 'imported' ? 'import' : w)),
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
): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of new ExtractiveGenerator(analyze).generate({
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
});
