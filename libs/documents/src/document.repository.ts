import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { olderThan } from '@docent/common';
import { type ChunkSource, DocumentChunkRepository } from './document-chunk.repository';
import type {
  BatchOutcomeRow,
  DocumentListFilter,
  IngestionDocumentRow,
  IngestionState,
  LostCandidate,
  NewDocument,
} from './document.records';
import { Document, type IngestionStage } from './entities/document.entity';
import type { SqlFragment } from './retrieval/bm25-query';

/**
 * Only a run that still owns the document may write: same ingestion version (a reingest raises
 * it), not cancelled (deleted mid-way), and not already finished (a re-delivered job of a
 * completed run must not move it backwards).
 */
const OWNED = `id = ? and ingestion_version = ? and status in ('queued', 'processing')`;

/** A lost run may only be replaced while it is still lost: owned, and untouched for the grace. */
const LOST = `${OWNED} and updated_at < now() - (? * interval '1 millisecond')`;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * Every read and write of `documents` (its shares and chunks have theirs beside it: the
 * DocumentShareRepository and the DocumentChunkRepository). Plain reads and
 * inserts go through the ORM; every state transition is one conditional SQL `update … where
 * <guard> returning`, so concurrent runs, sweepers and requests settle in the database: the
 * statement that loses the race changes nothing and says so.
 */
@Injectable()
export class DocumentRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly chunks: DocumentChunkRepository,
  ) {}

  // ------------------------------------------------------------------------------ reads

  findById(id: string): Promise<Document | null> {
    return this.em.fork().findOne(Document, id);
  }

  findByIdOrFail(id: string): Promise<Document> {
    return this.em.fork().findOneOrFail(Document, id);
  }

  /** The existing documents among `ids`. */
  findByIds(ids: readonly string[]): Promise<Document[]> {
    return this.em.fork().find(Document, { id: { $in: [...ids] } });
  }

  /** Whether a document of the upload batch is still queued or processing. */
  async batchPending(batchId: string): Promise<boolean> {
    // on the status index (batch_id has none): most finished runs stop here
    const rows = await this.em
      .fork()
      .execute<unknown[]>(
        `select 1 from documents where status in ('queued', 'processing') and batch_id = ? limit 1`,
        [batchId],
      );
    return rows.length > 0;
  }

  /** Every document of the upload batch with its outcome, in upload order. */
  batchOutcomes(batchId: string): Promise<BatchOutcomeRow[]> {
    return this.em.fork().execute<BatchOutcomeRow[]>(
      `select id, ingestion_version, filename, status, error_code, error_message from documents
          where batch_id = ? order by created_at, id`,
      [batchId],
    );
  }

  /** A page of the readable documents (`readable`, a filter on Document), newest first. */
  list(readable: object, filter: DocumentListFilter, limit: number): Promise<Document[]> {
    const where: object[] = [readable];
    if (filter.status) where.push({ status: filter.status });
    if (filter.filename) where.push({ filename: { $ilike: `%${escapeLike(filter.filename)}%` } });
    if (filter.after) {
      where.push(olderThan(filter.after));
    }
    return this.em
      .fork()
      .createQueryBuilder(Document, 'd')
      .select('*')
      .where({ $and: where })
      .orderBy({ createdAt: 'desc', id: 'desc' })
      .limit(limit)
      .getResult();
  }

  /** `select d.id` of the completed documents matching `readable`, for the search queries. */
  completedIdsQuery(readable: object): SqlFragment {
    return this.em
      .createQueryBuilder(Document, 'd')
      .select('d.id')
      .where({ $and: [readable, { status: 'completed' }] })
      .toQuery();
  }

  /** The owner's document with this content, if any. */
  async findIdBySha256(ownerId: string, sha256: string): Promise<string | undefined> {
    const found = await this.em
      .fork()
      .findOne(Document, { owner: ownerId, sha256 }, { fields: ['id'] });
    return found?.id;
  }

  /** Bytes and number of the owner's documents. */
  async usage(ownerId: string, em: EntityManager = this.em.fork()) {
    const [row] = await em.execute<{ used: string; documents: string }[]>(
      `select coalesce(sum(size_bytes), 0)::text as used, count(*)::text as documents
         from documents where owner_id = ?`,
      [ownerId],
    );
    return { usedBytes: Number(row?.used ?? 0), documents: Number(row?.documents ?? 0) };
  }

  /** Documents still waiting for their job to be queued, oldest first. */
  findUnqueued(olderThanMs: number, limit: number) {
    return this.em.fork().find(
      Document,
      {
        status: 'queued',
        enqueuedAt: null,
        createdAt: { $lte: new Date(Date.now() - olderThanMs) },
      },
      { fields: ['id', 'ingestionVersion'], limit, orderBy: { createdAt: 'asc' } },
    );
  }

  /** `processing`, or `queued` with a job accepted, and untouched for `graceMs`. */
  findLostCandidates(graceMs: number, limit: number): Promise<LostCandidate[]> {
    return this.em.fork().execute<LostCandidate[]>(
      `select id, ingestion_version, status, attempts, owner_id, batch_id, filename
         from documents
        where (status = 'processing' or (status = 'queued' and enqueued_at is not null))
          and updated_at < now() - (? * interval '1 millisecond')
        order by updated_at asc
        limit ?`,
      [graceMs, limit],
    );
  }

  // ------------------------------------------------------------------------------ writes

  /**
   * Inserts the batch in one transaction; on failure nothing is kept. With `fit`, the owner's
   * user row is locked first (until commit, so uploads of one user are decided one at a time)
   * and only the files `fit` keeps, given the bytes the owner already stores, are inserted.
   */
  insertBatch(
    ownerId: string,
    batchId: string,
    files: readonly NewDocument[],
    fit?: (usedBytes: number) => readonly NewDocument[],
  ): Promise<Document[]> {
    return this.em.fork().transactional(async (tx) => {
      let fitting = files;
      if (fit) {
        await tx.execute(`select 1 from users where id = ? for no key update`, [ownerId]);
        fitting = fit((await this.usage(ownerId, tx)).usedBytes);
      }
      const now = new Date();
      return fitting.map((file) =>
        tx.create(Document, {
          id: file.id,
          owner: ownerId,
          batchId,
          filename: file.filename,
          kind: file.kind,
          mimeType: file.mimeType,
          sizeBytes: String(file.sizeBytes),
          sha256: file.sha256,
          storageKey: file.key,
          status: 'queued',
          stage: 'validating',
          progress: 0,
          createdAt: now,
          updatedAt: now,
        }),
      );
    });
  }

  /** Removes the document; chunks and shares go by cascade, its file by the outbox trigger. */
  async delete(id: string): Promise<void> {
    await this.em.fork().nativeDelete(Document, { id });
  }

  /** A document being processed becomes `cancelled`, so its run stops at its next step. */
  async cancel(id: string): Promise<void> {
    await this.em.fork().execute(
      `update documents set status = 'cancelled', updated_at = now()
          where id = ? and status = 'processing'`,
      [id],
    );
  }

  /** The job of this run was accepted by the queue. */
  async markEnqueued(id: string, ingestionVersion: number): Promise<void> {
    await this.em
      .fork()
      .execute(`update documents set enqueued_at = now() where id = ? and ingestion_version = ?`, [
        id,
        ingestionVersion,
      ]);
  }

  /** A new run from scratch; false when the version moved on meanwhile. */
  async reingest(id: string, previousVersion: number): Promise<boolean> {
    const rows = await this.update(
      `ingestion_version = ingestion_version + 1, status = 'queued', stage = 'validating',
       progress = 0, attempts = 0, error_code = null, error_message = null, completed_at = null,
       enqueued_at = null`,
      `id = ? and ingestion_version = ?`,
      [id, previousVersion],
    );
    return rows.length > 0;
  }

  /** A lost run with no attempt left fails for good; false when it moved on meanwhile. */
  async failLost(candidate: LostCandidate, graceMs: number, code: string, message: string) {
    const rows = await this.update(`status = 'failed', error_code = ?, error_message = ?`, LOST, [
      code,
      message,
      candidate.id,
      candidate.ingestion_version,
      graceMs,
    ]);
    return rows.length > 0;
  }

  /**
   * Replaces a lost run by a new one (a lost `processing` run counts as an attempt); the new
   * ingestion version, or undefined when it moved on meanwhile or another sweeper won.
   */
  async requeueLost(candidate: LostCandidate, graceMs: number): Promise<number | undefined> {
    const rows = await this.update(
      `ingestion_version = ingestion_version + 1, status = 'queued',
       attempts = attempts + (case when status = 'processing' then 1 else 0 end),
       enqueued_at = null`,
      LOST,
      [candidate.id, candidate.ingestion_version, graceMs],
    );
    return rows[0]?.ingestion_version;
  }

  /** The run starts (attempt counted, stage `extracting`); undefined when it does not own it. */
  /**
   * Starts a run (processing, stage extracting, attempts and progress raised, never lowered) and
   * returns what the run needs of the document, in one round trip instead of a read and then the
   * update; undefined when this run does not own the document.
   */
  async claimForIngestion(
    id: string,
    version: number,
    attempt: number,
    progress: number,
  ): Promise<{ document: IngestionDocumentRow; state: IngestionState } | undefined> {
    const rows = await this.em.fork().execute<(IngestionDocumentRow & IngestionState)[]>(
      `update documents set status = 'processing', attempts = greatest(attempts, ?),
         stage = 'extracting', progress = greatest(progress, ?), updated_at = now()
       where ${OWNED}
       returning id, owner_id, batch_id, filename, status, kind, storage_key,
                 size_bytes::text as size_bytes, ingestion_version, stage, progress`,
      [attempt, progress, id, version],
      'all',
    );
    const row = rows[0];
    if (!row) return undefined;
    const { stage, progress: stored, ...document } = row;
    return {
      document,
      state: { status: row.status as IngestionState['status'], stage, progress: stored },
    };
  }

  /** Moves to `stage`, raising progress (never lowering it). */
  async advanceIngestion(id: string, version: number, stage: IngestionStage, progress: number) {
    const rows = await this.update(`stage = ?, progress = greatest(progress, ?)`, OWNED, [
      stage,
      progress,
      id,
      version,
    ]);
    return rows[0] as IngestionState | undefined;
  }

  async failIngestion(id: string, version: number, code: string, message: string) {
    const rows = await this.update(`status = 'failed', error_code = ?, error_message = ?`, OWNED, [
      code,
      message,
      id,
      version,
    ]);
    return rows[0] as IngestionState | undefined;
  }

  /**
   * Stores the run's chunks (replacing any earlier ones) with the page and chunk counts, in one
   * transaction under the document's row lock, so "still owned" holds until commit: a concurrent
   * delete or reingest waits, and sees either no chunks of this run or all of them. The document
   * stays `processing` (invisible to search) until `completeIngestion`. Returns the number of
   * chunks, or undefined when the run no longer owns the document.
   */
  storeChunks(
    id: string,
    version: number,
    chunks: ChunkSource,
    pageCount: number,
  ): Promise<number | undefined> {
    return this.em.fork().transactional(async (tx) => {
      const owned = await tx.execute<{ chunk_count: number | null }[]>(
        `select chunk_count from documents where ${OWNED} for update`,
        [id, version],
      );
      if (owned.length === 0) return undefined;
      const chunkCount = await this.chunks.writeIn(tx, id, chunks, {
        hasChunks: owned[0].chunk_count !== null,
      });
      await tx.execute(
        `update documents set page_count = ?, chunk_count = ?, updated_at = clock_timestamp()
         where ${OWNED}`,
        [pageCount, chunkCount, id, version],
      );
      return chunkCount;
    });
  }

  /** Marks the run completed (searchable from now on). False when it no longer owns it. */
  async completeIngestion(id: string, version: number): Promise<boolean> {
    const rows = await this.em.fork().execute<{ id: string }[]>(
      `update documents set status = 'completed', stage = 'done', progress = 100,
         completed_at = clock_timestamp(), updated_at = clock_timestamp(),
         error_code = null, error_message = null
       where ${OWNED}
       returning id`,
      [id, version],
      'all',
    );
    return rows.length === 1;
  }

  /** `update documents set <set>, updated_at = now() where <guard> returning …`. */
  private update(set: string, guard: string, params: unknown[]) {
    return this.em.fork().execute<(IngestionState & { ingestion_version: number })[]>(
      `update documents set ${set}, updated_at = now() where ${guard}
         returning status, stage, progress, ingestion_version`,
      params,
      'all',
    );
  }
}
