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
import { splitSentences } from './sentences';

/**
 * The stemming the extractive generator needs (distinct lexemes of each text, in order):
 * PostgreSQL's (TextAnalyzer) in the app.
 */
export type Analyze = (texts: readonly string[]) => Promise<string[][]>;

export interface ExtractiveOptions {
  /** Least share of the question's IDF weight a sentence must cover to be an answer. */
  minCoverage: number;
  /** Most sentences in one answer. */
  maxSentences: number;
  /** A further sentence must score at least this fraction of the best one. */
  relativeCutoff: number;
  /** Weight of the chunk's (normalised) retrieval score in a sentence's score. */
  retrievalWeight: number;
  /** Least share of the question's weight, not yet covered, a complementary sentence adds. */
  minComplement: number;
}

export const EXTRACTIVE_DEFAULTS: ExtractiveOptions = {
  minCoverage: 0.5,
  maxSentences: 3,
  relativeCutoff: 0.7,
  retrievalWeight: 0.2,
  minComplement: 0.2,
};

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
  text: string;
  /** Share of the question's IDF weight the sentence's lexemes cover, 0–1. */
  coverage: number;
  score: number;
}

/**
 * `extractive` (the default; no network, no key): picks the sentences of the retrieved chunks
 * that best answer the question and quotes them with numbered citation markers. A sentence is
 * scored by the IDF-weighted share of the question's stemmed lexemes it contains (stemmed by
 * PostgreSQL, exactly like the index), plus a little of its chunk's retrieval score; when no
 * sentence covers enough of the question the answer says the documents do not contain it and
 * cites nothing.
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
    const picked = await this.select(request.terms, request.chunks);
    if (signal.aborted) throw abortedError(signal);

    const citations: Citation[] = picked.map((s) => ({
      documentId: s.chunk.documentId,
      filename: s.chunk.filename,
      page: s.chunk.page,
      chunkId: s.chunk.chunkId,
      snippet: s.text,
      score: Math.round(s.score * 10000) / 10000,
    }));
    const content =
      picked.length === 0 ? NO_ANSWER : picked.map((s, i) => `${s.text} [${i + 1}]`).join(' ');
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
   * The best 1–3 sentences from distinct chunks, best first; empty when none answers.
   * `questionTerms` are the question's lexemes with the idf retrieval ranked by (the caller's
   * readable documents only).
   */
  async select(
    questionTerms: readonly QueryTerm[],
    chunks: readonly RetrievedChunk[],
  ): Promise<ScoredSentence[]> {
    const sentences = chunks.flatMap((chunk, chunkRank) =>
      splitSentences(chunk.content).map((text) => ({ chunk, chunkRank, text })),
    );
    if (sentences.length === 0 || questionTerms.length === 0) return [];
    const sentenceLexemes = await this.analyze(sentences.map((s) => s.text));
    const subject = questionTerms.filter((t) => !META_LEXEMES.has(t.lexeme));
    const terms = subject.length > 0 ? subject : questionTerms;
    const totalWeight = terms.reduce((sum, t) => sum + t.idf, 0);
    if (totalWeight <= 0) return [];
    const weights = new Map(terms.map((t) => [t.lexeme, t.idf]));
    const maxRetrieval = Math.max(...chunks.map((c) => c.score), 0);

    const scored = sentences.map((s, i) => {
      const lexemes = [...new Set(sentenceLexemes[i] ?? [])].filter((l) => weights.has(l));
      const covered = lexemes.reduce((sum, l) => sum + (weights.get(l) ?? 0), 0);
      const coverage = covered / totalWeight;
      const retrieval = maxRetrieval > 0 ? Math.max(s.chunk.score, 0) / maxRetrieval : 0;
      return {
        ...s,
        lexemes,
        coverage,
        score: coverage + this.options.retrievalWeight * retrieval,
      };
    });
    scored.sort((a, b) => b.score - a.score || a.chunkRank - b.chunkRank);

    // greedy: the best sentence must answer on its own; each further one (from another chunk,
    // not a repeat) is either about as good, or covers a part of the question still uncovered
    const picked: (ScoredSentence & { lexemes: string[] })[] = [];
    const covered = new Set<string>();
    const usedChunks = new Set<string>();
    const usedTexts = new Set<string>();
    for (const s of scored) {
      if (picked.length >= this.options.maxSentences) break;
      const key = s.text.toLowerCase().replace(/\W+/g, ' ').trim();
      if (usedChunks.has(s.chunk.chunkId) || usedTexts.has(key)) continue;
      if (picked.length === 0) {
        if (s.coverage < this.options.minCoverage) break;
      } else {
        const fresh =
          s.lexemes.filter((l) => !covered.has(l)).reduce((sum, l) => sum + weights.get(l)!, 0) /
          totalWeight;
        const asGood = s.score >= this.options.relativeCutoff * picked[0].score;
        const complements = fresh >= this.options.minComplement;
        if (!asGood && !complements) continue;
      }
      usedChunks.add(s.chunk.chunkId);
      usedTexts.add(key);
      for (const l of s.lexemes) covered.add(l);
      picked.push(s);
    }
    return picked.map(({ lexemes: _lexemes, ...s }) => s);
  }
}
