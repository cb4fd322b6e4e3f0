import { EntityManager } from '@mikro-orm/postgresql';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Embeddings } from './embeddings';
import { EMBEDDING_MAX_BATCH } from './sentence-encoder';

/** The worker looks for completed chunks without a vector this often (and at start). */
export const CHUNK_EMBEDDING_INTERVAL_MS = 60_000;

/**
 * A document of at most this many chunks (about 1,600 words) is embedded by its ingestion run
 * before it completes (≈ 60 ms a chunk, so about half a second): it ranks by meaning from the
 * moment it is searchable. A longer one completes first (searchable by its words) and gets its
 * vectors from the catch-up pass, woken as it completes: with embedding on the completion path,
 * the chaos suite's 344 uploads (≈ 4,800 chunks) were not all completed 120 s after the load,
 * against a few seconds without.
 */
export const IN_RUN_EMBEDDING_CHUNKS = 8;

/**
 * The catch-up pass rests as long as each batch took before the next: it takes at most about
 * half of one core from ingestion and the api's own work on the same machine.
 */
const CATCH_UP_DUTY = 0.5;

interface ChunkText {
  id: string;
  content: string;
}

/**
 * Gives chunks their sentence-encoder vector (DocumentChunkEmbedding), in the worker:
 *
 * - `embedDocument`, in the ingestion run of a document of at most IN_RUN_EMBEDDING_CHUNKS
 *   chunks, after the chunks are stored and before the document is completed (outside the
 *   chunks' transaction: a delete or reingest does not wait for the encoder), so it ranks by
 *   meaning from the start. An encoder failure does not fail the run: the document completes
 *   and ranks by its words until the pass below;
 * - a pass at start, when a run could not embed all its chunks, and every minute while chunks may
 *   be waiting, for chunks of completed documents without a vector (indexed before embeddings
 *   existed, beyond a run's share, with the encoder failing, or with EMBEDDINGS_ENABLED off then):
 *   batches taken with `for update skip locked`, so several workers share the work without doing
 *   it twice, written in the same short transaction; the newest documents first (ids are
 *   UUIDv7), so what was uploaded last ranks by meaning first; resting between batches
 *   (CATCH_UP_DUTY).
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
  /**
   * Whether chunks may be waiting: until a pass found none, and again after a failure. The
   * interval's passes run only then, so a worker with nothing left to embed does not scan the
   * chunks every minute (an explicit `catchUp` always runs).
   */
  private pending = true;
  /** Counts the calls that may have left work, so a pass only clears `pending` if none came since. */
  private requests = 0;
  private again = false;
  private wakeUp: (() => void) | undefined;

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
    this.timer = setInterval(() => {
      if (this.pending) void this.catchUp();
    }, CHUNK_EMBEDDING_INTERVAL_MS);
    this.timer.unref();
    void this.catchUp();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.wakeUp?.();
    await this.running?.catch(() => undefined);
  }

  /**
   * Vectors for the document's chunks that have none, batch by batch, at most `limit`; returns
   * how many were written (0 as well when the encoder failed: logged, the catch-up pass tries
   * again).
   */
  async embedDocument(documentId: string, limit = IN_RUN_EMBEDDING_CHUNKS): Promise<number> {
    // until this run's chunks are embedded, the next pass has something to look for
    this.pending = true;
    this.requests += 1;
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
        const inserted = await storeChunkVectors(
          this.em.fork(),
          rows.map((row) => row.id),
          vectors,
        );
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
    this.requests += 1;
    if (this.running) {
      // the running pass may have looked before this call's chunks were there: it goes round
      // once more (however many calls come meanwhile)
      this.again = true;
      return this.running;
    }
    this.running = this.passes().finally(() => (this.running = undefined));
    return this.running;
  }

  private async passes(): Promise<number> {
    let written = 0;
    do {
      this.again = false;
      written += await this.pass();
    } while (this.again && !this.stopped);
    return written;
  }

  private async pass(): Promise<number> {
    const requests = this.requests;
    let written = 0;
    try {
      while (!this.stopped) {
        const started = performance.now();
        const done = await this.catchUpBatch();
        written += done;
        if (done > 0)
          await this.rest(((performance.now() - started) * (1 - CATCH_UP_DUTY)) / CATCH_UP_DUTY);
        if (done < EMBEDDING_MAX_BATCH) {
          // nothing left but what another worker holds right now (it embeds those), unless a
          // run asked for a pass since this one began
          if (this.requests === requests) this.pending = false;
          break;
        }
      }
    } catch (error) {
      this.pending = true;
      this.logger.warn(
        { err: error },
        'could not embed chunks: they rank by their words alone until the next pass',
      );
    }
    if (written > 0) this.logger.log(`embedded ${written} chunk(s) of completed documents`);
    return written;
  }

  /** Waits `ms`, or less when the worker shuts down. */
  private rest(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).finally(() => (this.wakeUp = undefined));
  }

  private catchUpBatch(): Promise<number> {
    return this.em.fork().transactional(async (tx) => {
      const rows = await tx.execute<ChunkText[]>(
        `select c.id, c.content
           from document_chunks c
           join documents d on d.id = c.document_id and d.status = 'completed'
          where not exists (select 1 from document_chunk_embeddings e where e.chunk_id = c.id)
          order by c.document_id desc, c.chunk_index desc
          limit ?
          for update of c skip locked`,
        [EMBEDDING_MAX_BATCH],
      );
      if (rows.length === 0) return 0;
      const vectors = await this.embeddings.chunks(rows.map((row) => row.content));
      return storeChunkVectors(
        tx,
        rows.map((row) => row.id),
        vectors,
      );
    });
  }
}

/**
 * Stores chunks' vectors (DocumentChunkEmbedding), in `em`'s transaction when it has one: only
 * for chunks that still exist, none twice. Returns how many were written. The one writer of that
 * table (the worker's runs and catch-up pass, and the test fixtures that index chunks directly).
 */
export async function storeChunkVectors(
  em: EntityManager,
  chunkIds: readonly string[],
  vectors: readonly number[][],
): Promise<number> {
  const inserted = await em.execute<{ chunk_id: string }[]>(
    `insert into document_chunk_embeddings (chunk_id, embedding)
     select x.id, x.e from jsonb_to_recordset(?::jsonb) as x(id uuid, e real[])
      where exists (select 1 from document_chunks c where c.id = x.id)
     on conflict (chunk_id) do nothing
     returning chunk_id`,
    [JSON.stringify(chunkIds.map((id, i) => ({ id, e: vectors[i] })))],
    'all',
  );
  return inserted.length;
}
