import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { scoredChunks } from '../retrieval/bm25-query';
import { readableDocuments } from '../retrieval/readable-documents';
import { DocumentsService } from './documents.service';
import type { SearchHitDto, SearchQueryDto, SearchResultDto } from './dto/search.dto';

interface Row {
  chunk_id: string;
  document_id: string;
  filename: string;
  page: number | null;
  snippet: string;
  score: number | string;
}

const HEADLINE = 'StartSel=«,StopSel=»,MaxWords=30,MinWords=10,MaxFragments=2';

/**
 * Full-text search over the chunks of completed documents the caller can read (SPEC §6), ranked
 * exactly like chat retrieval: any-term candidates from the GIN index, scored with BM25 over the
 * statistics of the caller's readable documents (see `scoredChunks`), with highlighted snippets.
 * Nothing in the answer depends on documents the caller cannot read.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly em: EntityManager,
    private readonly documents: DocumentsService,
  ) {}

  async search(
    caller: AuthUser,
    ability: AppAbility,
    query: SearchQueryDto,
  ): Promise<SearchResultDto> {
    if (query.documentIds?.length === 0) return { items: [] };
    const em = this.em.fork();
    const sql = scoredChunks({
      question: query.q,
      readable: readableDocuments(em, this.documents, caller, ability),
      documentIds: query.documentIds,
      limit: query.limit,
      columns: [
        'c.id as chunk_id',
        'c.document_id',
        'd.filename',
        'c.page',
        { sql: `ts_headline('english', c.content, tq.query, ?) as snippet`, params: [HEADLINE] },
      ],
    });
    const rows = await em.getConnection().execute<Row[]>(sql.sql, [...sql.params]);
    return { items: rows.map((row) => this.toHit(row)) };
  }

  private toHit(row: Row): SearchHitDto {
    return {
      chunkId: row.chunk_id,
      documentId: row.document_id,
      filename: row.filename,
      page: row.page,
      snippet: row.snippet,
      score: Number(row.score),
    };
  }
}
