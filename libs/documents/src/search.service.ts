import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import { DomainEventBus } from '@docent/common';
import type { AppAbility } from '@docent/authorization';
import { ScopedChunkQuery, type ScopedChunkRow } from './retrieval/scoped-chunk-query';
import type { SearchHitDto, SearchQueryDto, SearchResultDto } from './dto/search.dto';

interface Row extends ScopedChunkRow {
  snippet: string;
}

const HEADLINE = 'StartSel=«,StopSel=»,MaxWords=30,MinWords=10,MaxFragments=2';

/**
 * Full-text search over the chunks of completed documents the caller can read (SPEC §6), ranked
 * exactly like chat retrieval: any-term candidates from the GIN index, scored with BM25 over the
 * statistics of the caller's readable documents (see `scoredChunks`), with highlighted snippets.
 * Nothing in the answer depends on documents the caller cannot read. `group=document` keeps the
 * best chunk of each document.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly chunks: ScopedChunkQuery,
    private readonly bus: DomainEventBus,
  ) {}

  async search(
    caller: AuthUser,
    ability: AppAbility,
    query: SearchQueryDto,
  ): Promise<SearchResultDto> {
    const rows = await this.chunks.run<Row>(
      { caller, ability, documentIds: query.documentIds },
      {
        question: query.q,
        limit: query.limit,
        group: query.group,
        columns: [
          { sql: `ts_headline('english', c.content, tq.query, ?) as snippet`, params: [HEADLINE] },
        ],
      },
    );
    await this.bus.emit('documents.searched', { userId: caller.id });
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
