import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Document } from './entities/document.entity';
import { DocumentChunk } from './entities/document-chunk.entity';

export interface DocumentStatusCount {
  status: string;
  count: number;
  /** Sum of `size_bytes` of these documents. */
  bytes: number;
}

export interface DocumentFailureCount {
  code: string;
  count: number;
}

/**
 * Aggregates over all documents (the admin stats): GROUP BY queries only, never loading the rows
 * themselves, and never filtered by a caller's access (the caller is an administrator).
 */
@Injectable()
export class DocumentStatsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Documents and their bytes per status, in one statement. */
  async countsByStatus(): Promise<DocumentStatusCount[]> {
    const documents = this.em.getMetadata(Document).tableName;
    const rows = await this.em
      .getConnection()
      .execute<{ status: string; count: number | string; bytes: number | string }[]>(
        `select status, count(*)::int as count, coalesce(sum(size_bytes), 0)::text as bytes
           from "${documents}"
          group by status`,
      );
    return rows.map((row) => ({
      status: row.status,
      count: Number(row.count),
      bytes: Number(row.bytes),
    }));
  }

  /** Failed documents per stable error code. */
  async failuresByCode(): Promise<DocumentFailureCount[]> {
    const documents = this.em.getMetadata(Document).tableName;
    const rows = await this.em.getConnection().execute<{ code: string; count: number | string }[]>(
      `select error_code as code, count(*)::int as count
           from "${documents}"
          where status = 'failed' and error_code is not null
          group by error_code`,
    );
    return rows.map((row) => ({ code: row.code, count: Number(row.count) }));
  }

  /**
   * Documents whose ingestion failed (still failed) with their last change on a UTC day in
   * `[fromDay, toDay]`, per stable error code, most frequent first.
   */
  async failuresByCodeBetween(fromDay: string, toDay: string): Promise<DocumentFailureCount[]> {
    const documents = this.em.getMetadata(Document).tableName;
    const rows = await this.em.getConnection().execute<{ code: string; count: number | string }[]>(
      `select error_code as code, count(*)::int as count
           from "${documents}"
          where status = 'failed' and error_code is not null
            and updated_at >= ?::date and updated_at < ?::date + 1
          group by error_code
          order by count(*) desc, error_code`,
      [fromDay, toDay],
    );
    return rows.map((row) => ({ code: row.code, count: Number(row.count) }));
  }

  /** Indexed chunks in all. */
  async chunkCount(): Promise<number> {
    const chunks = this.em.getMetadata(DocumentChunk).tableName;
    const rows = await this.em
      .getConnection()
      .execute<{ count: number | string }[]>(
        `select count(*)::bigint::text as count from "${chunks}"`,
      );
    return Number(rows[0]?.count ?? 0);
  }
}
