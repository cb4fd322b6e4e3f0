/**
 * The pieces of a sentence an extractive answer is made of: its words (with offsets), the kind of
 * answer a question asks for, the candidate spans of that kind, and a bounded quote around them.
 * Every function here is linear in its input (one pass, no backtracking regular expressions).
 */

/** A word of a sentence: letters/digits, with inner `.`, `,`, `'`, `-` (3.5, 1,200, U.S, don't). */
export interface Token {
  text: string;
  start: number;
  end: number;
}

/** What a question asks for, from its wording. */
export type AnswerKind = 'person' | 'time' | 'place' | 'quantity' | 'other';

// separators are mandatory between the repeated groups, so a match never backtracks
const WORD = /[\p{L}\p{N}]+(?:[.,'’-][\p{L}\p{N}]+)*%?/gu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(WORD)) {
    tokens.push({ text: match[0], start: match.index, end: match.index + match[0].length });
  }
  return tokens;
}

const PLACE_NOUNS = new Set([
  'area',
  'borough',
  'city',
  'continent',
  'country',
  'county',
  'island',
  'location',
  'nation',
  'place',
  'province',
  'region',
  'river',
  'state',
  'street',
  'town',
  'village',
]);
const TIME_NOUNS = new Set([
  'age',
  'century',
  'date',
  'day',
  'decade',
  'era',
  'month',
  'period',
  'season',
  'time',
  'year',
]);
const QUANTITY_NOUNS = new Set(['amount', 'number', 'percent', 'percentage', 'proportion']);
const PERSON_NOUNS = new Set(['person', 'king', 'man', 'woman', 'leader', 'ruler', 'author']);

/** Whether a quantity question asks for an amount of money. */
export function asksMoney(question: string): boolean {
  return /\b(?:cost|costs|pay|paid|price|worth|spend|spent|money|dollars|pounds|fund|funds|budget)\b/i.test(
    question.slice(0, 2000),
  );
}

/**
 * The kind of answer a question asks for: who/whom/whose → person, when / what year → time,
 * where / which country → place, how many / how much / what percentage → quantity.
 */
export function answerKind(question: string): AnswerKind {
  const words = (question.toLowerCase().match(/[a-z]+/g) ?? []).slice(0, 64);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const next = words[i + 1] ?? '';
    const after = words[i + 2] ?? '';
    if (w === 'who' || w === 'whom' || w === 'whose') return 'person';
    if (w === 'when') return 'time';
    if (w === 'where') return 'place';
    if (w === 'how' && ['many', 'much', 'long', 'old', 'large', 'big', 'far'].includes(next)) {
      return 'quantity';
    }
    if (w === 'what' || w === 'which' || w === 'in' || w === 'at') {
      if (w === 'in' || w === 'at') {
        if (next !== 'what' && next !== 'which') continue;
        // "in what year", "in which city"
        const noun = after;
        if (TIME_NOUNS.has(noun)) return 'time';
        if (PLACE_NOUNS.has(noun)) return 'place';
        continue;
      }
      if (TIME_NOUNS.has(next)) return 'time';
      if (PLACE_NOUNS.has(next)) return 'place';
      if (QUANTITY_NOUNS.has(next)) return 'quantity';
      if (PERSON_NOUNS.has(next)) return 'person';
      return 'other';
    }
  }
  return 'other';
}

const MONTHS = new Set(
  'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec'.split(
    ' ',
  ),
);
const WEEKDAYS = new Set('monday tuesday wednesday thursday friday saturday sunday'.split(' '));
const ERAS = new Set(['bc', 'ad', 'bce', 'ce', 'b.c', 'a.d']);
const TIME_GLUE = new Set(['and', 'of', 'to', 'early', 'late', 'mid', 'the', 'between', 'or']);
const NUMBER_WORDS = new Set(
  'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion trillion dozen half several'.split(
    ' ',
  ),
);
const MAGNITUDES = new Set(['hundred', 'thousand', 'million', 'billion', 'trillion', 'percent']);
const ORDINAL = /^\d{1,2}(?:st|nd|rd|th)$/i;
const ORDINAL_WORDS = new Set(
  'first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth twenty-first'.split(
    ' ',
  ),
);

function isYear(text: string): boolean {
  if (!/^\d{3,4}s?$/.test(text)) return false;
  const n = Number.parseInt(text, 10);
  return n >= 500 && n <= 2100;
}

function isNumber(text: string): boolean {
  return /^\d[\d.,]*%?$/.test(text) || NUMBER_WORDS.has(text.toLowerCase());
}

/** A token that names a time by itself (a year, a month, a century, a weekday). */
function isTimeCore(tokens: Token[], i: number): boolean {
  const lower = tokens[i].text.toLowerCase();
  if (isYear(lower) || MONTHS.has(lower) || WEEKDAYS.has(lower)) {
    // "May" and "march" are words too: a month counts when a number is next to it
    if (lower === 'may' || lower === 'march') {
      return /^\d/.test(tokens[i + 1]?.text ?? '') || /^\d/.test(tokens[i - 1]?.text ?? '');
    }
    return true;
  }
  if (lower === 'century' || lower === 'centuries' || lower === 'decade') {
    const previous = tokens[i - 1]?.text.toLowerCase() ?? '';
    return ORDINAL.test(previous) || ORDINAL_WORDS.has(previous);
  }
  return false;
}

function isTimeGlue(text: string): boolean {
  const lower = text.toLowerCase();
  return (
    TIME_GLUE.has(lower) ||
    ERAS.has(lower) ||
    ORDINAL.test(lower) ||
    ORDINAL_WORDS.has(lower) ||
    /^\d{1,2}$/.test(lower) ||
    lower === 'century' ||
    lower === 'centuries'
  );
}

const isCapitalised = (text: string) => /^\p{Lu}/u.test(text);
const NAME_GLUE = new Set(['of', 'de', 'du', 'von', 'van', 'der', 'la', 'le', 'da', 'di', 'the']);
const PLACE_PREPOSITIONS = new Set([
  'in',
  'at',
  'from',
  'near',
  'to',
  'into',
  'across',
  'throughout',
  'within',
  'outside',
  'between',
]);

/** A candidate answer: tokens [from, to) of a sentence. */
export interface Candidate {
  from: number;
  to: number;
}

/**
 * Maximal runs of tokens for which `core` or `glue` holds, containing at least one `core`,
 * trimmed of glue at both ends (ordinals and day numbers stay next to a core time word).
 */
function runs(
  sentence: string,
  tokens: Token[],
  core: (i: number) => boolean,
  glue: (i: number) => boolean,
  trim: (i: number) => boolean,
): Candidate[] {
  const found: Candidate[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (!core(i) && !glue(i)) {
      i += 1;
      continue;
    }
    let j = i;
    let hasCore = false;
    while (j < tokens.length && (core(j) || glue(j))) {
      // a run never crosses punctuation other than a comma inside a date ("May 5, 1902")
      if (j > i && /[;:()!?]/.test(sentence.slice(tokens[j - 1].end, tokens[j].start))) break;
      if (core(j)) hasCore = true;
      j += 1;
    }
    if (hasCore) {
      let from = i;
      let to = j;
      while (from < to && !core(from) && trim(from)) from += 1;
      while (to > from && !core(to - 1) && trim(to - 1)) to -= 1;
      if (to > from) found.push({ from, to });
    }
    i = j === i ? i + 1 : j;
  }
  return found;
}

/**
 * The spans of a sentence that could answer a question of `kind`: dates and years for time,
 * numbers with their unit for quantity, capitalised names (after in/at/from first) for places,
 * capitalised names for people. Spans made only of the question's own words are left out
 * (`asked(i)`: token i is a word of the question).
 */
export function candidates(
  sentence: string,
  tokens: Token[],
  kind: AnswerKind,
  asked: (i: number) => boolean,
  money = false,
): Candidate[] {
  if (kind === 'other') return [];
  const lower = tokens.map((t) => t.text.toLowerCase());
  let found: Candidate[] = [];
  if (kind === 'time') {
    found = runs(
      sentence,
      tokens,
      (i) => isTimeCore(tokens, i),
      (i) => isTimeGlue(tokens[i].text),
      (i) => TIME_GLUE.has(lower[i]),
    );
  } else if (kind === 'quantity') {
    found = runs(
      sentence,
      tokens,
      (i) => isNumber(tokens[i].text) && !isYear(tokens[i].text),
      (i) => MAGNITUDES.has(lower[i]) || lower[i] === 'and' || lower[i] === 'to',
      (i) => lower[i] === 'and' || lower[i] === 'to',
    ).map((c) => {
      // the unit after the number: up to the question's noun ("14 stone arches") within three
      // plain words, else the one word next to it ("168,637 members")
      const plain = (k: number) => k < tokens.length && /^\p{Ll}+$/u.test(tokens[k].text);
      for (let k = c.to; k < c.to + 3 && plain(k); k++) {
        if (asked(k)) return { from: c.from, to: k + 1 };
      }
      return plain(c.to) && !asked(c.to) ? { from: c.from, to: c.to + 1 } : c;
    });
    // a question about a price: the amounts written with a currency sign first
    const priced = found.filter((c) => /[$£€¥]\s?$/u.test(sentence.slice(0, tokens[c.from].start)));
    if (money && priced.length > 0) found = priced;
  } else {
    // a capitalised word of two letters or more that is not a month or a weekday
    const name = (i: number) =>
      isCapitalised(tokens[i].text) &&
      tokens[i].text.length > 1 &&
      // a possessive names the owner, not the one asked about ("Richard's fiancée")
      !/['’]s$/.test(tokens[i].text) &&
      !MONTHS.has(lower[i]) &&
      !WEEKDAYS.has(lower[i]) &&
      !(i === 0 && !asked(i) && NAME_GLUE.has(lower[i]));
    const all = runs(
      sentence,
      tokens,
      name,
      (i) => NAME_GLUE.has(lower[i]),
      (i) => NAME_GLUE.has(lower[i]),
    ).flatMap((c) => trimAsked(c, asked, (i) => NAME_GLUE.has(lower[i])));
    const after = (c: Candidate) => c.from > 0 && PLACE_PREPOSITIONS.has(lower[c.from - 1]);
    // a lone capitalised first word is the sentence's capital, not a name ("Soon", "Some"); a
    // lone word like "Norman army", "Byzantine general" is an adjective
    const adjective = (c: Candidate) =>
      c.to - c.from === 1 &&
      /(?:an|ine|ese|ish|ic)$/.test(lower[c.from]) &&
      /^\p{Ll}/u.test(tokens[c.to]?.text ?? '');
    const named = all.filter((c) => !(c.from === 0 && c.to === 1) && !adjective(c));
    // places follow in/at/from…; people rarely do: the others only when there are no such
    const preferred = named.filter((c) => (kind === 'place') === after(c));
    found = preferred.length > 0 ? preferred : named;
  }
  return keepUnasked(found, asked);
}

function keepUnasked(found: Candidate[], asked: (i: number) => boolean): Candidate[] {
  return found.filter((c) => {
    for (let i = c.from; i < c.to; i++) if (!asked(i)) return true;
    return false;
  });
}

/** Drops the question's own words from both ends of a name ("William II of Normandy" → "William II"). */
function trimAsked(
  c: Candidate,
  asked: (i: number) => boolean,
  glue: (i: number) => boolean,
): Candidate[] {
  let { from, to } = c;
  const length = to - from;
  while (from < to && asked(from)) from += 1;
  while (to > from && asked(to - 1)) to -= 1;
  // and the glue left at the ends ("William II of [Normandy]")
  while (from < to && glue(from)) from += 1;
  while (to > from && glue(to - 1)) to -= 1;
  // one word left of a longer name is a part of the name asked about ("Upper [Normandy]")
  if (to - from === 1 && length > 1) return [];
  return to > from ? [{ from, to }] : [];
}

/** Distance in tokens from a candidate to the nearest token of `marked`; Infinity when none. */
export function distanceTo(c: Candidate, marked: readonly number[]): number {
  let best = Infinity;
  for (const m of marked) {
    const d = m < c.from ? c.from - m : m >= c.to ? m - c.to + 1 : 0;
    if (d < best) best = d;
  }
  return best;
}

/**
 * A quote of at most `maxWords` tokens of the sentence: the whole sentence when short enough,
 * else the window that holds the answer span (when given) and the most question weight, cut at
 * word boundaries with an ellipsis where it was cut. `weight(i)` is token i's share of the
 * question (0 for words the question does not have). Linear in the tokens.
 */
export function quote(
  sentence: string,
  tokens: Token[],
  maxWords: number,
  weight: (i: number) => number,
  span?: Candidate,
): string {
  if (tokens.length <= maxWords) return sentence;
  // the windows holding the most question weight (and the span); among them the one centred
  // nearest the span (or, without one, the earliest: the sentence's subject)
  const centre = span ? (span.from + span.to - 1) / 2 : 0;
  let best = 0;
  let bestScore = -Infinity;
  let bestOff = Infinity;
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    sum += weight(i);
    const start = i - maxWords + 1;
    if (start > 0) sum -= weight(start - 1);
    if (start < 0) continue;
    const holds = span && span.from >= start && span.to <= i + 1 ? 1 : 0;
    const score = holds * 1e6 + sum;
    const off = Math.abs(start + (maxWords - 1) / 2 - centre);
    if (score > bestScore + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && off < bestOff)) {
      bestScore = score;
      bestOff = off;
      best = start;
    }
  }
  const first = tokens[best];
  const last = tokens[best + maxWords - 1];
  const head = best === 0 ? 0 : first.start;
  const tail = best + maxWords >= tokens.length ? sentence.length : last.end;
  return `${head > 0 ? '… ' : ''}${sentence.slice(head, tail)}${tail < sentence.length ? ' …' : ''}`;
}
