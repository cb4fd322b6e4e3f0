/* eslint-disable no-console, no-restricted-syntax -- a measurement run by hand (like a spec): it
   prints its figures and reads its settings from the environment */
/**
 * Development measurement of the extractive generator (not a test: it asserts nothing and is not
 * matched by the unit project). For each question of a dev set it hands the generator what the
 * app's retriever would: the question's lexemes with their idf, and the top chunks of an
 * in-process Okapi BM25 (k1 1.2, b 0.75) over the paragraphs cut by the worker's chunker, with
 * PostgreSQL's `english` analysis (the same as the index). It prints the share of answers that
 * contain a gold span, the answer length in words (median, p90), the share whose first citation
 * is the question's paragraph, how many short answers were given and how many of them are within
 * (or hold) a gold span, the no-answer rate, and how many questions of the other set (which have
 * no answer there) were answered anyway.
 *
 *   NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects unit \
 *     --testMatch '<rootDir>/libs/chat/src/generation/extractive.dev-eval.ts'
 *
 * Sets: the SQuAD dev articles (`../shared/eval/squad2-dev-5-articles.json`, gold spans) and the
 * coffee paragraphs of test/fixtures/retrieval (paragraph ids only: citation rate and length).
 * `DEV_EVAL_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/postgres) is only used for
 * `to_tsvector`; `DEV_EVAL_SHOW=n` prints n answers; `DEV_EVAL_OPTIONS` (JSON: generator options,
 * or an array of them) compares settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { chunkPages } from '@docent/documents';
import type { GenerationEvent, QueryTerm, RetrievedChunk } from '../chat.contracts';
import { NO_ANSWER } from './answer-text';
import { type Analyze, ExtractiveGenerator, type ExtractiveOptions } from './extractive.generator';

const ROOT = join(__dirname, '../../../..');
const K1 = 1.2;
const B = 0.75;
const TOP = 5;

interface Question {
  question: string;
  paragraph: number;
  answers: string[];
}
interface EvalSet {
  name: string;
  paragraphs: string[];
  questions: Question[];
}

function squad(): EvalSet {
  const data = JSON.parse(
    readFileSync(join(ROOT, '../shared/eval/squad2-dev-5-articles.json'), 'utf8'),
  ) as {
    articles: {
      paragraphs: { context: string; qas: { question: string; answers: string[] }[] }[];
    }[];
  };
  const paragraphs: string[] = [];
  const questions: Question[] = [];
  for (const article of data.articles) {
    for (const p of article.paragraphs) {
      for (const qa of p.qas) {
        questions.push({
          question: qa.question,
          paragraph: paragraphs.length,
          answers: qa.answers,
        });
      }
      paragraphs.push(p.context);
    }
  }
  return { name: 'squad2-dev-5-articles', paragraphs, questions };
}

function coffee(): EvalSet {
  const dir = join(ROOT, 'test/fixtures/retrieval');
  const paragraphs = JSON.parse(readFileSync(join(dir, 'coffee-paragraphs.json'), 'utf8')) as {
    id: string;
    text: string;
  }[];
  const asked = JSON.parse(readFileSync(join(dir, 'coffee-questions.json'), 'utf8')) as {
    q: string;
    answer: string;
  }[];
  const index = new Map(paragraphs.map((p, i) => [p.id, i]));
  return {
    name: 'coffee (test/fixtures/retrieval)',
    paragraphs: paragraphs.map((p) => p.text),
    questions: asked
      .filter((q) => index.has(q.answer))
      .map((q) => ({ question: q.q, paragraph: index.get(q.answer)!, answers: [] })),
  };
}

const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
const words = (text: string) => (text.match(/\S+/g) ?? []).length;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};

async function evaluate(
  db: Client,
  set: EvalSet,
  foreign: string[],
  show: number,
  options: Partial<ExtractiveOptions>,
): Promise<void> {
  const cache = new Map<string, string[]>();
  const analyze: Analyze = async (texts) => {
    const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
    for (let i = 0; i < missing.length; i += 2000) {
      const batch = missing.slice(i, i + 2000);
      const { rows } = await db.query<{ l: string[] }>(
        `select tsvector_to_array(to_tsvector('english', t)) as l
           from jsonb_array_elements_text($1::jsonb) with ordinality as x(t, ord) order by ord`,
        [JSON.stringify(batch)],
      );
      batch.forEach((t, j) => cache.set(t, rows[j].l));
    }
    return texts.map((t) => cache.get(t)!);
  };

  // the chunks as the worker cuts them, with their term frequencies
  const chunks: (RetrievedChunk & { paragraph: number; tf: Map<string, number>; dl: number })[] =
    [];
  for (const [paragraph, text] of set.paragraphs.entries()) {
    for (const c of await chunkPages([{ page: 1, text }])) {
      chunks.push({
        chunkId: `p${paragraph}c${c.index}`,
        documentId: `p${paragraph}`,
        filename: `p${paragraph}.txt`,
        page: null,
        content: c.content,
        score: 0,
        paragraph,
        tf: new Map(),
        dl: 0,
      });
    }
  }
  const { rows } = await db.query<{ tf: Record<string, number> | null }>(
    `select (select json_object_agg(lexeme, coalesce(array_length(positions, 1), 1))
               from unnest(to_tsvector('english', t))) as tf
       from jsonb_array_elements_text($1::jsonb) with ordinality as x(t, ord) order by ord`,
    [JSON.stringify(chunks.map((c) => c.content))],
  );
  const df = new Map<string, number>();
  rows.forEach(({ tf }, i) => {
    for (const [lexeme, n] of Object.entries(tf ?? {})) {
      chunks[i].tf.set(lexeme, n);
      chunks[i].dl += n;
      df.set(lexeme, (df.get(lexeme) ?? 0) + 1);
    }
  });
  const avgdl = chunks.reduce((sum, c) => sum + c.dl, 0) / chunks.length;
  const N = chunks.length;

  const generator = new ExtractiveGenerator(analyze, options);
  const ask = async (question: string) => {
    const [lexemes] = await analyze([question]);
    const terms: QueryTerm[] = lexemes.map((lexeme) => {
      const n = df.get(lexeme) ?? 0;
      return { lexeme, idf: Math.log(1 + (Math.max(N, n) - n + 0.5) / (n + 0.5)) };
    });
    const ranked = chunks
      .map((c) => ({
        c,
        score: terms.reduce((sum, t) => {
          const tf = c.tf.get(t.lexeme) ?? 0;
          return tf === 0
            ? sum
            : sum + (t.idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * c.dl) / avgdl));
        }, 0),
      }))
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, TOP);
    let done: Extract<GenerationEvent, { type: 'done' }> | undefined;
    for await (const event of generator.generate({
      question,
      chunks: ranked.map(({ c, score }) => ({
        chunkId: c.chunkId,
        documentId: c.documentId,
        filename: c.filename,
        page: c.page,
        content: c.content,
        score,
      })),
      terms: ranked.length > 0 ? terms : [],
      history: [],
      signal: new AbortController().signal,
    })) {
      if (event.type === 'done') done = event;
    }
    return { done: done!, paragraphs: ranked.map((r) => r.c.paragraph) };
  };

  let contains = 0;
  let cited = 0;
  let retrieved = 0;
  let unanswered = 0;
  let spans = 0;
  let spansRight = 0;
  const lengths: number[] = [];
  for (const [qi, q] of set.questions.entries()) {
    const { done, paragraphs } = await ask(q.question);
    if (paragraphs.includes(q.paragraph)) retrieved += 1;
    const content = done.content;
    if (content === NO_ANSWER) unanswered += 1;
    lengths.push(words(content));
    const answer = ` ${normalise(content)} `;
    if (q.answers.some((a) => answer.includes(` ${normalise(a)} `))) contains += 1;
    if (done.citations[0]?.documentId === `p${q.paragraph}`) cited += 1;
    // the short answer: what comes before the first quote
    const first = done.citations[0]?.snippet;
    const span = first ? normalise(content.slice(0, content.indexOf(first))) : '';
    if (span && q.answers.length > 0) {
      spans += 1;
      const gold = q.answers.map(normalise);
      if (gold.some((g) => ` ${span} `.includes(` ${g} `) || ` ${g} `.includes(` ${span} `))) {
        spansRight += 1;
      }
    }
    const failed = !q.answers.some((a) => answer.includes(` ${normalise(a)} `));
    if (qi < show && (process.env.DEV_EVAL_FAILURES !== '1' || failed)) {
      console.log(`${q.question}\n  gold: ${q.answers.join(' | ')}\n  → ${content}\n`);
    }
  }
  // questions of the other set have no answer here
  let falseAnswers = 0;
  for (const question of foreign) {
    const { done } = await ask(question);
    if (done.content !== NO_ANSWER) {
      falseAnswers += 1;
      if (show > 0) console.log(`(foreign) ${question}\n  → ${done.content}\n`);
    }
  }
  const n = set.questions.length;
  const pct = (x: number) => `${((100 * x) / n).toFixed(1)}%`;
  console.log(
    [
      `${set.name}: ${n} questions ${JSON.stringify(options)}`,
      `  retrieval: right paragraph in top ${TOP} ${pct(retrieved)}`,
      set.questions.some((q) => q.answers.length > 0)
        ? `  answer contains a gold span: ${pct(contains)}`
        : '  (no gold spans)',
      `  first citation is the right paragraph: ${pct(cited)}`,
      `  short answers given: ${spans}, of which within or containing a gold span: ${spansRight}`,
      `  no answer: ${pct(unanswered)}`,
      `  answer words: median ${quantile(lengths, 0.5)}, p90 ${quantile(lengths, 0.9)}`,
      `  answered questions of the other set: ${falseAnswers}/${foreign.length}`,
    ].join('\n'),
  );
}

describe('extractive generator, dev measurement', () => {
  const db = new Client({
    connectionString:
      process.env.DEV_EVAL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  beforeAll(() => db.connect());
  afterAll(() => db.end());

  it('measures', async () => {
    const show = Number(process.env.DEV_EVAL_SHOW ?? 0);
    const [dev, own] = [squad(), coffee()];
    const sample = (set: EvalSet) =>
      set.questions.filter((_, i) => i % Math.ceil(set.questions.length / 60) === 0);
    // DEV_EVAL_OPTIONS: one options object, or an array of them to compare
    const given = JSON.parse(process.env.DEV_EVAL_OPTIONS ?? '{}') as
      Partial<ExtractiveOptions> | Partial<ExtractiveOptions>[];
    for (const options of Array.isArray(given) ? given : [given]) {
      await evaluate(
        db,
        dev,
        sample(own).map((q) => q.question),
        show,
        options,
      );
      await evaluate(
        db,
        own,
        sample(dev).map((q) => q.question),
        show,
        options,
      );
    }
  }, 600_000);
});
