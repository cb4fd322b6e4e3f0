import type { QueryTerm, RetrievedChunk } from '@docent/documents';

/*
 * The seams between the chat service (history, HTTP, SSE), retrieval and the answer generators.
 */

/**
 * Retrieval is `ChunkRetriever.retrieveWithTerms({caller, ability, question, documentIds, limit})`
 * from @docent/documents: the chunks, and the question's lexemes with the idf they were ranked by.
 */
export type { QueryTerm, RetrievedChunk };

/** A cited source in an answer (SPEC §7). */
export interface Citation {
  documentId: string;
  filename: string;
  page: number | null;
  chunkId: string;
  /** The sentence(s) or passage the answer relies on, short. */
  snippet: string;
  score: number;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface GenerationRequest {
  question: string;
  chunks: RetrievedChunk[];
  /**
   * The question's lexemes with their idf over the caller's readable documents, as retrieval
   * ranked with them: a generator that weighs the question's words uses these, so the answer
   * depends on nothing the caller cannot read.
   */
  terms: QueryTerm[];
  /** The last few turns before the question, oldest first (the question itself excluded). */
  history: ChatTurn[];
  /** Aborted when the client disconnects: stop generating and reject/return promptly. */
  signal: AbortSignal;
}

/** Streamed pieces of an answer. */
export type GenerationEvent =
  | { type: 'token'; text: string }
  | {
      type: 'done';
      /** The complete answer text (the concatenation of the tokens, possibly normalised). */
      content: string;
      /** Citations in the order of their markers [1], [2], … in `content`; empty when unanswered. */
      citations: Citation[];
      /** Tokens produced (provider-reported when available, else estimated). */
      answerTokens: number;
    };

/** Generators sit behind this one interface (SPEC §7: `extractive`, `openai`). */
export interface AnswerGenerator {
  readonly name: 'extractive' | 'openai';
  /**
   * Yields `token` events then exactly one `done`. Errors are `AppError`s (e.g. upstream LLM
   * unavailable → `llm_unavailable`, 503/502-style problem details), never raw fetch errors.
   */
  generate(request: GenerationRequest): AsyncIterable<GenerationEvent>;
}

/** Injection token of the configured generator (`LLM_PROVIDER`). */
export const ANSWER_GENERATOR = Symbol('ANSWER_GENERATOR');
