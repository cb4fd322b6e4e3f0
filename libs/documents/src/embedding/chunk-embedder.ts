import { EntityManager } from '@mikro-orm/postgresql';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Embeddings } from './embeddings';
import { EMBEDDING_MAX_BATCH } from './sentence-encoder';

/** The worker looks for completed chunks without a vector this often (and at start). */
export const CHUNK_EMBEDDING_INTERVAL_MS = 60_000;

/**
 * Chunks an ingestion run embeds before it completes the document (≈ 60 ms each: 15 s, about
 * 50,000 words); a longer document's other chunks get theirs from the catch-up pass, woken as it
 * completes, and rank by their words until then.
 */
export const IN_RUN_EMBEDDING_CHUNKS = 256;

interface ChunkText {
  id: string;
  content: string;
}

/**
 * Gives chunks their sentence-encoder vector (DocumentChunkEmbedding), in the worker:
 *
 * - `embedDocument`, in the ingestion run, after the chunks are stored and before the document is
 *   completed (outside the chunks' transaction: a delete or reingest does not wait for the
 *   encoder), so a completed document ranks by meaning from the start: its first
 *   IN_RUN_EMBEDDING_CHUNKS chunks. An encoder failure does not fail the run: the document
 *   completes and ranks by its words until the pass below;
 * - a pass at start and every minute for chunks of completed documents without a vector (indexed
 *   before embeddings existed, with the encoder failing, or with EMBEDDINGS_ENABLED off then):
 *   batches taken with `for update skip locked`, so several workers share the work without doing
 *   it twice, written in the same short transaction.
 *
 * A chunk deleted meanwhile (its document deleted or reingested) gets no vector: a vector is only
 * inserted for a chunk that exists, and goes with it.
 */
@Injectable()
export class ChunkEmbedder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ChunkEmbedder');
  private running: Promise<number> | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly embeddings: Embeddings,
  ) {}

  get enabled(): boolean {
    return this.embeddings.enabled;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.catchUp(), CHUNK_EMBEDDING_INTERVAL_MS);
    this.timer.unref();
    void this.catchUp();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Vectors for the document's chunks that have none, batch by batch, at most `limit`; returns
   * how many were written (0 as well when the encoder failed: logged, the catch-up pass tries
   * again).
   */
  async embedDocument(documentId: string, limit = IN_RUN_EMBEDDING_CHUNKS): Promise<number> {
    let written = 0;
    try {
      while (written < limit) {
        const rows = await this.em.fork().execute<ChunkText[]>(
          `select c.id, c.content from document_chunks c
            where c.document_id = ?
              and not exists (select 1 from document_chunk_embeddings e where e.chunk_id = c.id)
            order by c.chunk_index
            limit ?`,
          [documentId, Math.min(EMBEDDING_MAX_BATCH, limit - written)],
        );
        if (rows.length === 0) return written;
        const vectors = await this.embeddings.chunks(rows.map((row) => row.content));
        const inserted = await this.insert(this.em.fork(), rows, vectors);
        written += inserted;
        // the chunks are gone (document deleted or reingested): nothing more to do here
        if (inserted === 0 || inserted < rows.length) return written;
      }
      return written;
    } catch (error) {
      this.logger.warn(
        { err: error, documentId },
        'could not embed the chunks of a document: it ranks by its words until the next pass',
      );
      return written;
    }
  }

  /**
   * One catch-up pass over completed documents (a pass still running is joined); returns how
   * many chunks got their vector.
   */
  catchUp(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    let written = 0;
    try {
      while (!this.stopped) {
        const done = await this.catchUpBatch();
        written += done;
        if (done < EMBEDDING_MAX_BATCH) break;
      }
    } catch (error) {
      this.logger.warn(
        { err: error },
        'could not embed chunks: they rank by their words alone until the next pass',
      );
    }
    if (written > 0) this.logger.log(`embedded ${written} chunk(s) of completed documents`);
    return written;
  }

  private catchUpBatch(): Promise<number> {
    return this.em.fork().transactional(async (tx) => {
      const rows = await tx.execute<ChunkText[]>(
        `select c.id, c.content
           from document_chunks c
           join documents d on d.id = c.document_id and d.status = 'completed'
          where not exists (select 1 from document_chunk_embeddings e where e.chunk_id = c.id)
          order by c.document_id, c.chunk_index
          limit ?
          for update of c skip locked`,
        [EMBEDDING_MAX_BATCH],
      );
      if (rows.length === 0) return 0;
      const vectors = await this.embeddings.chunks(rows.map((row) => row.content));
      return this.insert(tx, rows, vectors);
    });
  }

  /** Inserts the vectors of the chunks that still exist; returns how many. */
  private async insert(
    em: EntityManager,
    rows: readonly ChunkText[],
    vectors: readonly number[][],
  ): Promise<number> {
    const inserted = await em.execute<{ chunk_id: string }[]>(
      `insert into document_chunk_embeddings (chunk_id, embedding)
       select x.id, x.e from jsonb_to_recordset(?::jsonb) as x(id uuid, e real[])
        where exists (select 1 from document_chunks c where c.id = x.id)
       on conflict (chunk_id) do nothing
       returning chunk_id`,
      [JSON.stringify(rows.map((row, i) => ({ id: row.id, e: vectors[i] })))],
      'all',
    );
    return inserted.length;
  }
}
