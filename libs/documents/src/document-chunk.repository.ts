import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { uuidv7 } from '@docent/common';
import type { Chunk } from './ingestion/chunker';

/**
 * The chunks of one document: all at once, or (ingestion) batch after batch as the extraction
 * process hands them over, so no whole-document array needs to exist on the worker's thread.
 */
export type ChunkSource = readonly Chunk[] | AsyncIterable<readonly Chunk[]>;

/**
 * Rows per INSERT. Each statement sends five arrays (bind parameters, not SQL text: MikroORM's
 * `execute` would inline every value into the statement) that PostgreSQL unnests into rows.
 */
export const CHUNK_INSERT_ROWS = 500;

type KyselyOf = ReturnType<EntityManager['getKysely']>;
type CompiledQueryOf = Parameters<KyselyOf['executeQuery']>[0];

const INSERT_CHUNKS = `insert into document_chunks (id, document_id, chunk_index, page, content, created_at)
  select c.id, $1::uuid, c.chunk_index, c.page, c.content, $2::timestamptz
    from unnest($3::uuid[], $4::int[], $5::int[], $6::text[]) as c(id, chunk_index, page, content)`;

/** Every write of `document_chunks`, and of the document's `chunkCount` that sums them. */
@Injectable()
export class DocumentChunkRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Replaces all chunks of a document (and its `chunkCount`) in one transaction, so a retried
   * or re-delivered job never leaves duplicate or partial chunks, and readers see the old set or
   * the new one, never a mix.
   */
  replace(documentId: string, chunks: ChunkSource): Promise<number> {
    return this.em.transactional((tx) => this.replaceIn(tx, documentId, chunks));
  }

  /** The same inside the caller's transaction. */
  async replaceIn(tx: EntityManager, documentId: string, chunks: ChunkSource): Promise<number> {
    const count = await this.writeIn(tx, documentId, chunks);
    await tx.execute('update documents set chunk_count = ? where id = ?', [count, documentId]);
    return count;
  }

  /**
   * Deletes the document's chunks and inserts `chunks` in statements of `CHUNK_INSERT_ROWS`
   * rows, inside the caller's transaction (an error anywhere rolls all of it back: no partial
   * set is ever visible or left behind). Returns how many were written; the caller stores the
   * count (`chunk_count`) with whatever else it updates.
   */
  async writeIn(
    tx: EntityManager,
    documentId: string,
    chunks: ChunkSource,
    { hasChunks = true }: { hasChunks?: boolean } = {},
  ): Promise<number> {
    const kysely = tx.getKysely();
    const run = (sql: string, parameters: readonly unknown[]) =>
      kysely.executeQuery(rawQuery(sql, parameters));
    // `hasChunks: false` (the caller read a null chunk_count under the row lock: chunks are only
    // ever written here, with chunk_count in the same transaction) spares a new document the
    // delete and its statement trigger
    if (hasChunks) await run('delete from document_chunks where document_id = $1', [documentId]);
    const now = new Date();
    let count = 0;
    const insert = async (rows: readonly Chunk[]) => {
      for (let start = 0; start < rows.length; start += CHUNK_INSERT_ROWS) {
        const slice = rows.slice(start, start + CHUNK_INSERT_ROWS);
        await run(INSERT_CHUNKS, [
          documentId,
          now,
          slice.map(() => uuidv7()),
          slice.map((chunk) => chunk.index),
          slice.map((chunk) => chunk.page),
          // PostgreSQL text cannot hold NUL; extracted text occasionally does
          slice.map((chunk) => chunk.content.replaceAll('\u0000', '')),
        ]);
        count += slice.length;
      }
    };
    if (isChunkArray(chunks)) {
      await insert(chunks);
    } else {
      for await (const batch of chunks) await insert(batch);
    }
    return count;
  }
}

function isChunkArray(chunks: ChunkSource): chunks is readonly Chunk[] {
  return Array.isArray(chunks);
}

/**
 * A raw statement with real bind parameters for the transaction's Kysely connection (what
 * kysely's `CompiledQuery.raw` builds; kysely is MikroORM's driver layer, not a dependency of
 * ours, so the object is written out here).
 */
function rawQuery(sql: string, parameters: readonly unknown[]): CompiledQueryOf {
  return {
    sql,
    parameters,
    query: { kind: 'RawNode', sqlFragments: [sql], parameters: [] },
    queryId: { queryId: uuidv7() },
  } as unknown as CompiledQueryOf;
}

/** The index step under the name the tests, benches and fixtures use. */
export const ChunkIndexer = DocumentChunkRepository;
export type ChunkIndexer = DocumentChunkRepository;
