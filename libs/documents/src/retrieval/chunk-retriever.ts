import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { Document } from '../entities/document.entity';
import { DocumentsService } from '../http/documents.service';

/** One chunk found for a question, best first. */
export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  filename: string;
  /** 1-based PDF page, null for formats without pages. */
  page: number | null;
  /** The chunk's full text. */
  content: string;
  /** Relevance, higher is better; comparable within one retrieval only. */
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
}

interface Row {
  chunk_id: string;
  document_id: string;
  filename: string;
  page: number | null;
  content: string;
  score: number | string;
}

/** Any-term tsquery from the question's lexemes (see SearchService). */
const OR_QUERY = `(
  select string_agg(
    '''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || '''', ' | '
  )::tsquery
  from unnest(tsvector_to_array(to_tsvector('english', ?::text))) as lexeme
)`;

/**
 * Finds the chunks that best answer a question among the completed documents the caller can read
 * right now (access decided in SQL at query time, so a revoked share stops matching at once).
 * The GIN index does the candidate search.
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
    const scope = em
      .createQueryBuilder(Document, 'd')
      .select('d.id')
      .where({ $and: where })
      .getKnexQuery();
    const knex = em.getKnex();
    const sql = knex
      .with('q', knex.raw(`select ${OR_QUERY} as query`, [request.question]))
      .select(
        'c.id as chunk_id',
        'c.document_id',
        'd.filename',
        'c.page',
        'c.content',
        knex.raw('ts_rank_cd(c.tsv, q.query, 32) as score'),
      )
      .from('document_chunks as c')
      .join('documents as d', 'd.id', 'c.document_id')
      .crossJoin(knex.raw('q'))
      .whereNotNull('q.query')
      .whereRaw('c.tsv @@ q.query')
      .whereIn('c.document_id', scope)
      .orderBy([
        { column: 'score', order: 'desc' },
        { column: 'c.id', order: 'asc' },
      ])
      .limit(request.limit);
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
