'use strict';
/**
 * The measures of `npm run eval` (bench/eval.js): ranking quality of document lists, plain Okapi
 * BM25 over bags of PostgreSQL lexemes (the baseline), answer checks, and a seeded sample.
 */

const BM25_K1 = 1.2;
const BM25_B = 0.75;

/**
 * recall@1, recall@5, MRR and the no-result rate of ranked document lists (distinct documents in
 * rank order, first appearance kept) against the expected document of each question.
 */
function quality(rankings, expected) {
  let r1 = 0;
  let r5 = 0;
  let rr = 0;
  let empty = 0;
  rankings.forEach((ranking, i) => {
    const distinct = [...new Set(ranking)];
    if (distinct.length === 0) empty += 1;
    const rank = distinct.indexOf(expected[i]);
    if (rank === 0) r1 += 1;
    if (rank >= 0 && rank < 5) r5 += 1;
    if (rank >= 0) rr += 1 / (rank + 1);
  });
  const n = Math.max(1, rankings.length);
  return { recallAt1: r1 / n, recallAt5: r5 / n, mrr: rr / n, noResult: empty / n };
}

/**
 * Plain Okapi BM25 (k1 1.2, b 0.75) over `units` only (their own N, df and average length):
 * `units` are `{key, bag}` with `bag` a Map lexeme → tf; `terms` the question's distinct lexemes.
 * Units holding no term are not ranked (an any-term match, like the GIN candidates). Ties keep
 * the units' order. Returns the keys, best first.
 */
function bm25Ranking(terms, units, stats = bm25Stats(units)) {
  const scored = [];
  units.forEach((unit, i) => {
    let score = 0;
    let matched = false;
    for (const term of terms) {
      const tf = unit.bag.get(term);
      if (!tf) continue;
      matched = true;
      const df = stats.df.get(term) ?? 0;
      const idf = Math.log(1 + (stats.n - df + 0.5) / (df + 0.5));
      score +=
        (idf * tf * (BM25_K1 + 1)) /
        (tf + BM25_K1 * (1 - BM25_B + (BM25_B * stats.lengths[i]) / stats.avgdl));
    }
    if (matched) scored.push({ key: unit.key, score, i });
  });
  scored.sort((a, b) => b.score - a.score || a.i - b.i);
  return scored.map((s) => s.key);
}

/** N, df per lexeme, each unit's length (its positions) and the average length. */
function bm25Stats(units) {
  const df = new Map();
  const lengths = units.map((unit) => {
    let length = 0;
    for (const [lexeme, tf] of unit.bag) {
      df.set(lexeme, (df.get(lexeme) ?? 0) + 1);
      length += tf;
    }
    return length;
  });
  const avgdl = lengths.reduce((s, l) => s + l, 0) / Math.max(1, units.length) || 1;
  return { n: units.length, df, lengths, avgdl };
}

/** Lower case, punctuation and symbols dropped, whitespace collapsed (SQuAD's normalisation minus articles). */
function normalizeAnswer(text) {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether `answer` contains one of the gold spans (case- and punctuation-insensitive). */
function containsGold(answer, golds) {
  const haystack = ` ${normalizeAnswer(answer)} `;
  return golds.some((gold) => {
    const needle = normalizeAnswer(gold);
    return needle !== '' && haystack.includes(` ${needle} `);
  });
}

const words = (text) => (text.match(/\S+/g) ?? []).length;

/** The p-th percentile (nearest rank) of numbers. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

/** `count` distinct items of `items`, drawn with the seeded `random` (Fisher–Yates prefix). */
function sample(items, count, random) {
  const copy = [...items];
  const n = Math.min(count, copy.length);
  for (let i = 0; i < n; i += 1) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

/** Runs `work` over `items` with at most `concurrency` at a time; results in the items' order. */
async function mapLimit(items, concurrency, work) {
  const results = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await work(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}

module.exports = {
  quality,
  bm25Ranking,
  bm25Stats,
  normalizeAnswer,
  containsGold,
  words,
  percentile,
  sample,
  mapLimit,
};
