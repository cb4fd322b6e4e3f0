import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import { LruMap } from '@docent/common';
import type { AppAbility } from '@docent/authorization';
import { DocumentAccess } from '../access/document-access';
import { DocumentRepository } from '../document.repository';
import { Embeddings } from '../embedding/embeddings';
import {
  DEFAULT_RANKING,
  type RankedChunksRequest,
  scoredChunks,
  type SqlFragment,
} from './bm25-query';

/** Whose documents, and which of them, a search or a chat question looks at. */
export interface ChunkScope {
  caller: AuthUser;
  ability: AppAbility;
  /** When set, only these documents (an empty list finds nothing). */
  documentIds?: readonly string[];
}

/** What every hit carries; callers select more (`c`, `d`, `tq.query`, the CTE `w`). */
export interface ScopedChunkRow {
  chunk_id: string;
  document_id: string;
  filename: string;
  page: number | null;
  score: number | string;
}

const BASE_COLUMNS = ['c.id as chunk_id', 'c.document_id', 'd.filename', 'c.page'];

/** Callers whose readable-set SQL is kept (a few hundred bytes each). */
const MAX_CACHED_SCOPES = 2_000;

/**
 * The one query behind `GET /search` and chat retrieval: the chunks of the completed documents
 * the caller can read right now (their ability's rules or a share, decided in SQL at query time,
 * so a revoked share stops matching at once), ranked by `scoredChunks` with the statistics of
 * that readable set. A request limited to some documents still ranks with the whole set's
 * statistics (`RankedChunksRequest.documentIds`).
 */
@Injectable()
export class ScopedChunkQuery {
  constructor(
    private readonly em: EntityManager,
    private readonly access: DocumentAccess,
    private readonly documents: DocumentRepository,
    private readonly embeddings: Embeddings,
  ) {}

  /**
   * The SQL of `readable` by DocumentAccess.readableKey (the caller and their rules), least
   * recently used dropped first: building it through MikroORM's query builder (the rules' `$or`,
   * the shares subquery) was a fifth of a chat question's CPU. The SQL is evaluated when it runs,
   * so a share revoked or a document deleted since it was built counts at once.
   */
  private readonly readableSql = new LruMap<string, SqlFragment>(MAX_CACHED_SCOPES, 'readable_sql');

  /** `select d.id` of every completed document the caller can read right now. */
  readable(caller: AuthUser, ability: AppAbility): SqlFragment {
    return this.readableSql.getOrSet(this.access.readableKey(caller, ability), () =>
      this.documents.completedIdsQuery(this.access.readableWhere(caller, ability)),
    );
  }

  async run<Row extends ScopedChunkRow>(
    scope: ChunkScope,
    request: Pick<
      RankedChunksRequest,
      'question' | 'limit' | 'ranking' | 'group' | 'perDocument'
    > & {
      /** Columns selected beside chunk_id, document_id, filename and page. */
      columns: (string | SqlFragment)[];
    },
  ): Promise<Row[]> {
    if (scope.documentIds?.length === 0 || request.limit <= 0) return [];
    const dense = (request.ranking ?? DEFAULT_RANKING).dense ?? 0;
    // the question's meaning, computed off the event loop; none (off, failing) = by words alone
    const questionVector = dense > 0 ? await this.embeddings.question(request.question) : undefined;
    const sql = scoredChunks({
      ...request,
      questionVector,
      readable: this.readable(scope.caller, scope.ability),
      documentIds: scope.documentIds,
      columns: [...BASE_COLUMNS, ...request.columns],
    });
    return this.em
      .fork()
      .getConnection()
      .execute<Row[]>(sql.sql, [...sql.params]);
  }
}
