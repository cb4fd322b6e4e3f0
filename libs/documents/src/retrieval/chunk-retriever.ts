import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { Document } from '../entities/document.entity';
import { DocumentsService } from '../http/documents.service';
import { DEFAULT_RANKING, type RankingOptions, scoredChunks } from './bm25-query';

/** One chunk found for a question, best first. */
export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  filename: string;
  /** 1-based PDF page, null for formats without pages. */
  page: number | null;
  /** The chunk's full text. */
  content: string;
  /** Relevance (BM25), higher is better; comparable within one retrieval only. */
  score: number;
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
}

interface Row {
  chunk_id: string;
  document_id: string;
  filename: string;
  page: number | null;
  content: string;
  score: number | string;
}

/**
 * Finds the chunks that best answer a question among the completed documents the caller can read
 * right now (access decided in SQL at query time, so a revoked share stops matching at once).
 * The GIN index finds the candidates (any of the question's lexemes); BM25 with global corpus
 * statistics ranks them (see `scoredChunks`).
 */
@Injectable()
export class ChunkRetriever {
  constructor(
    private readonly em: EntityManager,
    private readonly documents: DocumentsService,
  ) {}

  async retrieve(request: RetrievalRequest): Promise<RetrievedChunk[]> {
    const em = this.em.fork();
    const where: object[] = [
      this.documents.readableWhere(em, request.caller, request.ability),
      { status: 'completed' },
    ];
    if (request.documentIds) {
      if (request.documentIds.length === 0) return [];
      where.push({ id: { $in: request.documentIds } });
    }
    if (request.limit <= 0) return [];
    const scope = em
      .createQueryBuilder(Document, 'd')
      .select('d.id')
      .where({ $and: where })
      .getKnexQuery();
    const sql = scoredChunks(
      em.getKnex(),
      request.question,
      scope,
      request.limit,
      ['c.id as chunk_id', 'c.document_id', 'd.filename', 'c.page', 'c.content'],
      request.ranking ?? DEFAULT_RANKING,
    );
    const rows = await em.getConnection().execute<Row[]>(sql);
    return rows.map((row) => ({
      chunkId: row.chunk_id,
      documentId: row.document_id,
      filename: row.filename,
      page: row.page,
      content: row.content,
      score: Number(row.score),
    }));
  }
}
