import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { DEFAULT_RANKING, type RankingOptions } from './bm25-query';
import { ScopedChunkQuery, type ScopedChunkRow } from './scoped-chunk-query';

/** One chunk found for a question, best first. */
export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  filename: string;
  /** 1-based PDF page, null for formats without pages. */
  page: number | null;
  /** The chunk's full text. */
  content: string;
  /** Relevance (BM25 and meaning, see `scoredChunks`), higher is better; within one retrieval. */
  score: number;
}

/** A lexeme of the question with its BM25 idf over the caller's readable documents. */
export interface QueryTerm {
  lexeme: string;
  idf: number;
}

/** The chunks found for a question, and the weights they were ranked with. */
export interface Retrieval {
  chunks: RetrievedChunk[];
  /**
   * The question's distinct lexemes (PostgreSQL's `english` stemming) with the idf retrieval
   * used, in lexeme order; empty when nothing was found. Whoever weighs the question's words
   * again (the extractive generator) uses these, never statistics of other documents.
   */
  terms: QueryTerm[];
}

export interface RetrievalRequest {
  caller: AuthUser;
  ability: AppAbility;
  /** Natural-language question or keywords, as the person typed them. */
  question: string;
  /** When set, only these documents (an empty list finds nothing). */
  documentIds?: string[];
  limit: number;
  /** Ranking parameters (the evaluation tunes these; the defaults are BM25's usual ones). */
  ranking?: RankingOptions;
  /**
   * Chunks of one document beyond this many come after every other document's (default: half
   * the limit, rounded up), so one document cannot fill every slot unless it is the only match.
   */
  perDocument?: number;
}

/** A document's share of the slots before other documents' chunks come first. */
export const perDocumentShare = (limit: number) => Math.max(1, Math.ceil(limit / 2));

interface Row extends ScopedChunkRow {
  content: string;
  terms: QueryTerm[] | null;
}

/**
 * Finds the chunks that best answer a question among the completed documents the caller can read
 * right now (access decided in SQL at query time, so a revoked share stops matching at once).
 * The GIN index finds the candidates (any of the question's lexemes); BM25 with the statistics
 * of the caller's readable documents ranks them (see `scoredChunks`), so nothing found depends
 * on documents the caller cannot read. The chunks are diversified: a document's chunks after its
 * best `perDocument` come after every other document's.
 */
@Injectable()
export class ChunkRetriever {
  constructor(private readonly chunks: ScopedChunkQuery) {}

  async retrieve(request: RetrievalRequest): Promise<RetrievedChunk[]> {
    return (await this.retrieveWithTerms(request)).chunks;
  }

  async retrieveWithTerms(request: RetrievalRequest): Promise<Retrieval> {
    const rows = await this.chunks.run<Row>(request, {
      question: request.question,
      limit: request.limit,
      perDocument: request.perDocument ?? perDocumentShare(request.limit),
      columns: [
        'c.content',
        // one value for the whole query (an init plan), repeated on each row
        `(select json_agg(json_build_object('lexeme', w.lexeme, 'idf', w.idf) order by w.lexeme)
            from w) as terms`,
      ],
      ranking: request.ranking ?? DEFAULT_RANKING,
    });
    return {
      chunks: rows.map((row) => ({
        chunkId: row.chunk_id,
        documentId: row.document_id,
        filename: row.filename,
        page: row.page,
        content: row.content,
        score: Number(row.score),
      })),
      terms: rows[0]?.terms ?? [],
    };
  }
}
