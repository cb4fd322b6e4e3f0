import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { Document } from '../entities/document.entity';
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

/**
 * The query's lexemes (English stemming, stop words dropped) OR-ed into a tsquery, so a natural
 * question matches chunks holding any of its words; ranking then favours chunks holding more of
 * them, closer together. Each lexeme is quoted for the tsquery parser, so nothing the user types
 * is read as tsquery syntax. NULL when the query has no lexemes.
 */
const OR_QUERY = `(
  select string_agg(
    '''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || '''', ' | '
  )::tsquery
  from unnest(tsvector_to_array(to_tsvector('english', ?::text))) as lexeme
)`;

const HEADLINE = 'StartSel=«,StopSel=»,MaxWords=30,MinWords=10,MaxFragments=2';

/** Full-text search over the chunks of completed documents the caller can read (SPEC §6). */
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
    const em = this.em.fork();
    const where: object[] = [
      this.documents.readableWhere(em, caller, ability),
      { status: 'completed' },
    ];
    if (query.documentIds) {
      if (query.documentIds.length === 0) return { items: [] };
      where.push({ id: { $in: query.documentIds } });
    }
    const scope = em
      .createQueryBuilder(Document, 'd')
      .select('d.id')
      .where({ $and: where })
      .getKnexQuery();

    const knex = em.getKnex();
    const sql = knex
      .with('q', knex.raw(`select ${OR_QUERY} as query`, [query.q]))
      .select(
        'c.id as chunk_id',
        'c.document_id',
        'd.filename',
        'c.page',
        knex.raw(`ts_headline('english', c.content, q.query, ?) as snippet`, [HEADLINE]),
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
      .limit(query.limit);
    const rows = await em.getConnection().execute<Row[]>(sql);
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
