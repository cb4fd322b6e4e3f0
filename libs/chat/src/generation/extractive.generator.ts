import { Injectable } from '@nestjs/common';
import { TextAnalyzer } from '@docent/documents';
import type {
  AnswerGenerator,
  Citation,
  GenerationEvent,
  GenerationRequest,
  QueryTerm,
  RetrievedChunk,
} from '../chat.contracts';
import { abortedError, estimateTokens, NO_ANSWER, wordGroups } from './answer-text';
import {
  answerKind,
  asksMoney,
  type Candidate,
  candidates,
  distanceTo,
  quote,
  type Token,
  tokenize,
} from './answer-span';
import { splitSentences } from './sentences';

/**
 * The stemming the extractive generator needs (distinct lexemes of each text, in order):
 * PostgreSQL's (TextAnalyzer) in the app.
 */
export type Analyze = (texts: readonly string[]) => Promise<string[][]>;

export interface ExtractiveOptions {
  /** Least share of the question's IDF weight the answering sentence must cover… */
  minCoverage: number;
  /** …or at least this share, when its chunk covers `minContextCoverage` of the question. */
  minSupportedCoverage: number;
  minContextCoverage: number;
  /** Most sentences quoted in one answer (the best, then complements from other chunks). */
  maxSentences: number;
  /** Weight of the chunk's (normalised) retrieval score in a sentence's score. */
  retrievalWeight: number;
  /** Weight of the share of the question the sentence's whole chunk covers. */
  contextWeight: number;
  /** Bonus of a sentence holding a span of the kind asked for (a year for "when", …). */
  kindWeight: number;
  /** Least share of the question's weight, not yet covered, a complementary sentence adds. */
  minComplement: number;
  /** A short answer is given only this close (in words) to the question's words in its sentence. */
  maxSpanDistance: number;
  /** Longest quote, in words: a longer sentence is quoted around the answer with ellipses. */
  maxQuoteWords: number;
}

export const EXTRACTIVE_DEFAULTS: ExtractiveOptions = {
  minCoverage: 0.3,
  minSupportedCoverage: 0.2,
  minContextCoverage: 0.45,
  maxSentences: 2,
  retrievalWeight: 0.3,
  contextWeight: 0.15,
  kindWeight: 0.15,
  minComplement: 0.3,
  maxSpanDistance: 8,
  maxQuoteWords: 32,
};

/** At most this many chunks, and this many characters of each, are read (bounded work). */
export const MAX_CHUNKS = 20;
export const MAX_CHUNK_CHARS = 20_000;

/**
 * Stemmed words that speak about the conversation rather than its subject ("what does the
 * document say about …", "please explain …"): left out of a question's weight, unless nothing
 * else is left.
 */
export const META_LEXEMES: ReadonlySet<string> = new Set([
  'also',
  'answer',
  'anyth',
  'could',
  'describ',
  'document',
  'explain',
  'know',
  'pleas',
  'question',
  'realli',
  'say',
  'someth',
  'tell',
  'think',
  'want',
  'whether',
  'would',
]);

export interface ScoredSentence {
  chunk: RetrievedChunk;
  chunkRank: number;
  /** The sentence as split from the chunk. */
  sentence: string;
  /** What is quoted and cited: the sentence, or the part of a long one around the answer. */
  text: string;
  /** The short answer within the sentence (a name, a date, a number), when the question asks one. */
  span?: string;
  /** Share of the question's IDF weight the sentence's lexemes cover, 0–1. */
  coverage: number;
  score: number;
}

interface Unit {
  chunk: RetrievedChunk;
  chunkRank: number;
  sentence: string;
  tokens: Token[];
  /** A short line without closing punctuation followed by prose: a heading or a title. */
  heading: boolean;
}

/**
 * `extractive` (the default; no network, no key): answers like a person quoting the documents.
 * The answering sentence is the one that covers most of the question's IDF-weighted stemmed
 * lexemes (stemmed by PostgreSQL, exactly like the index), helped a little by its chunk's
 * retrieval score, by how much of the question its whole chunk covers, and by holding the kind
 * of span the question asks for (a name for "who", a date for "when", a place for "where", a
 * number for "how many"). The answer is that span first, when there is one, then the sentence
 * (or, when long, the part of it around the span) with its citation marker; a complementary
 * sentence from another chunk may follow. A heading or title is never quoted as the answer: its
 * words count for the sentence after it. When no sentence covers enough of the question the
 * answer says the documents do not contain it and cites nothing.
 */
@Injectable()
export class ExtractiveGenerator implements AnswerGenerator {
  readonly name = 'extractive' as const;
  private readonly analyze: Analyze;
  private readonly options: ExtractiveOptions;

  constructor(analyzer: TextAnalyzer | Analyze, options: Partial<ExtractiveOptions> = {}) {
    this.analyze = typeof analyzer === 'function' ? analyzer : (texts) => analyzer.lexemes(texts);
    this.options = { ...EXTRACTIVE_DEFAULTS, ...options };
  }

  async *generate(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    const { signal } = request;
    if (signal.aborted) throw abortedError(signal);
    const picked = await this.select(request.question, request.terms, request.chunks);
    if (signal.aborted) throw abortedError(signal);

    const citations: Citation[] = picked.map((s) => ({
      documentId: s.chunk.documentId,
      filename: s.chunk.filename,
      page: s.chunk.page,
      chunkId: s.chunk.chunkId,
      snippet: s.text,
      score: Math.round(s.score * 10000) / 10000,
    }));
    const content = picked.length === 0 ? NO_ANSWER : composeAnswer(picked);
    for (const text of wordGroups(content)) {
      if (signal.aborted) throw abortedError(signal);
      yield { type: 'token', text };
      // let the consumer flush each piece (and a disconnect be noticed) before the next
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (signal.aborted) throw abortedError(signal);
    yield { type: 'done', content, citations, answerTokens: estimateTokens(content) };
  }

  /**
   * The answering sentence and up to `maxSentences − 1` complements from other chunks, best
   * first; empty when none answers. `questionTerms` are the question's lexemes with the idf
   * retrieval ranked by (the caller's readable documents only).
   */
  async select(
    question: string,
    questionTerms: readonly QueryTerm[],
    chunks: readonly RetrievedChunk[],
  ): Promise<ScoredSentence[]> {
    const units: Unit[] = [];
    chunks.slice(0, MAX_CHUNKS).forEach((chunk, chunkRank) => {
      const sentences = splitSentences(chunk.content.slice(0, MAX_CHUNK_CHARS));
      const tokens = sentences.map((sentence) => tokenize(sentence));
      // a short line without closing punctuation: a heading when prose follows it, a list or
      // table line when more such lines do
      const short = (i: number) =>
        tokens[i].length <= 12 && !/[.!?…:;]["'”’)\]]*$/u.test(sentences[i]);
      sentences.forEach((sentence, i) => {
        const heading =
          short(i) &&
          i + 1 < sentences.length &&
          !short(i + 1) &&
          !/^(?:[-*•‣◦]|\d+[.)])\s/u.test(sentence);
        units.push({ chunk, chunkRank, sentence, tokens: tokens[i], heading });
      });
    });
    if (units.length === 0 || questionTerms.length === 0) return [];

    const subject = questionTerms.filter((t) => !META_LEXEMES.has(t.lexeme));
    const terms = subject.length > 0 ? subject : questionTerms;
    const totalWeight = terms.reduce((sum, t) => sum + t.idf, 0);
    if (totalWeight <= 0) return [];
    const weights = new Map(terms.map((t) => [t.lexeme, t.idf]));

    // one analysis of every distinct word (its lexemes, as the index stems it)
    const questionTokens = tokenize(question.slice(0, 2000));
    const words = [
      ...new Set([...questionTokens, ...units.flatMap((u) => u.tokens)].map((t) => lower(t))),
    ];
    const analysed = await this.analyze(words);
    const lexemesOf = new Map(words.map((w, i) => [w, analysed[i] ?? []]));
    const askedLexemes = new Set([
      ...questionTerms.map((t) => t.lexeme),
      ...questionTokens.flatMap((t) => lexemesOf.get(lower(t)) ?? []),
    ]);
    const askedWords = new Set(questionTokens.map((t) => lower(t)));
    const kind = answerKind(question);
    const money = kind === 'quantity' && asksMoney(question);
    const maxRetrieval = Math.max(...chunks.map((c) => c.score), 0);

    const matched = units.map((u) => {
      const lexemes = new Set<string>();
      const positions: number[] = [];
      u.tokens.forEach((t, i) => {
        let hit = false;
        for (const l of lexemesOf.get(lower(t)) ?? []) {
          if (weights.has(l)) {
            lexemes.add(l);
            hit = true;
          }
        }
        if (hit) positions.push(i);
      });
      return { lexemes, positions };
    });
    const share = (lexemes: Iterable<string>) => {
      let sum = 0;
      for (const l of lexemes) sum += weights.get(l) ?? 0;
      return sum / totalWeight;
    };
    const chunkLexemes = new Map<string, Set<string>>();
    units.forEach((u, i) => {
      const set = chunkLexemes.get(u.chunk.chunkId) ?? new Set<string>();
      for (const l of matched[i].lexemes) set.add(l);
      chunkLexemes.set(u.chunk.chunkId, set);
    });

    const scored = units.flatMap((u, i) => {
      if (u.heading) return [];
      // a heading's words count for the sentence right after it
      const previous = i > 0 && units[i - 1].heading && units[i - 1].chunk === u.chunk;
      const lexemes = previous
        ? new Set([...matched[i].lexemes, ...matched[i - 1].lexemes])
        : matched[i].lexemes;
      const coverage = share(lexemes);
      const asked = (k: number) => {
        const w = lower(u.tokens[k]);
        return askedWords.has(w) || (lexemesOf.get(w) ?? []).some((l) => askedLexemes.has(l));
      };
      const { positions } = matched[i];
      const spans = candidates(u.sentence, u.tokens, kind, asked, money);
      let span: Candidate | undefined;
      let spanDistance = Infinity;
      for (const c of spans) {
        const d = positions.length > 0 ? distanceTo(c, positions) : u.tokens.length;
        if (d < spanDistance) {
          span = c;
          spanDistance = d;
        }
      }
      const retrieval = maxRetrieval > 0 ? Math.max(u.chunk.score, 0) / maxRetrieval : 0;
      const context = share(chunkLexemes.get(u.chunk.chunkId) ?? []);
      const proximity =
        positions.length > 1
          ? matched[i].lexemes.size / (positions[positions.length - 1] - positions[0] + 1)
          : 0;
      const score =
        coverage +
        this.options.retrievalWeight * retrieval +
        this.options.contextWeight * context +
        (span ? this.options.kindWeight / (1 + spanDistance / 8) : 0) +
        0.05 * Math.min(proximity, 1);
      return [{ unit: u, lexemes, coverage, context, score, span, spanDistance }];
    });
    scored.sort((a, b) => b.score - a.score || a.unit.chunkRank - b.unit.chunkRank);

    const picked: ScoredSentence[] = [];
    const covered = new Set<string>();
    const usedChunks = new Set<string>();
    const usedTexts = new Set<string>();
    for (const s of scored) {
      if (picked.length >= this.options.maxSentences) break;
      const key = s.unit.sentence.toLowerCase().replace(/\W+/g, ' ').trim();
      if (usedChunks.has(s.unit.chunk.chunkId) || usedTexts.has(key)) continue;
      if (picked.length === 0) {
        const supported =
          s.coverage >= this.options.minSupportedCoverage &&
          s.context >= this.options.minContextCoverage;
        if (s.coverage < this.options.minCoverage && !supported) continue;
      } else {
        const fresh = share([...s.lexemes].filter((l) => !covered.has(l)));
        if (fresh < this.options.minComplement) continue;
      }
      usedChunks.add(s.unit.chunk.chunkId);
      usedTexts.add(key);
      for (const l of s.lexemes) covered.add(l);
      const { tokens, sentence } = s.unit;
      const weightAt = (k: number) =>
        (lexemesOf.get(lower(tokens[k])) ?? []).reduce((sum, l) => sum + (weights.get(l) ?? 0), 0);
      // the short answer, when near the question's words and not (almost) the whole sentence
      const shown =
        picked.length === 0 &&
        s.span &&
        s.spanDistance <= this.options.maxSpanDistance &&
        s.span.to - s.span.from < tokens.length - 2
          ? s.span
          : undefined;
      picked.push({
        chunk: s.unit.chunk,
        chunkRank: s.unit.chunkRank,
        sentence,
        text: quote(sentence, tokens, this.options.maxQuoteWords, weightAt, shown),
        span: shown && sentence.slice(tokens[shown.from].start, tokens[shown.to - 1].end),
        coverage: s.coverage,
        score: s.score,
      });
    }
    return picked;
  }
}

const lower = (t: Token) => t.text.toLowerCase();

/** The short answer first (when there is one), then each quote with its marker. */
function composeAnswer(picked: readonly ScoredSentence[]): string {
  const quotes = picked.map((s, i) => `${s.text} [${i + 1}]`).join(' ');
  const span = picked[0]?.span;
  if (!span) return quotes;
  const first = `${span.charAt(0).toUpperCase()}${span.slice(1)}`;
  return `${first}${/[.!?]$/.test(first) ? '' : '.'} ${quotes}`;
}
