import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { DocumentSettings } from '@docent/config';
import { inSpan } from '@docent/queue';
import { FILE_STORAGE, type FileStorage } from '@docent/storage';
import type { IngestionDocumentRow as DocumentRow, IngestionState } from '../document.records';
import { DocumentRepository } from '../document.repository';
import { INGESTION_FAILED_CODE, INGESTION_FAILED_MESSAGE } from '../documents.errors';
import { ChunkEmbedder, IN_RUN_EMBEDDING_CHUNKS } from '../embedding/chunk-embedder';
import type { IngestionStage } from '../entities/document.entity';
import { type FinishedRun, IngestionEventPublisher } from '../events/ingestion-event.publisher';
import { INGESTION_ATTEMPTS } from '../ingestion.producer';
import type { Chunk, ChunkOptions } from '../ingestion/chunker';
import { ExtractionError, isExtractionError } from '../ingestion/errors';
import type { DocumentKind } from '../ingestion/types';
import { type ChunkStream, extractChunks, type ExtractInChildOptions } from './extract-in-child';
import { type IngestionJobOutcome, IngestionMetrics } from './ingestion.metrics';
import { OcrEngine } from './ocr.engine';

/**
 * Paragraphs and sentences, about 200 tokens a chunk (a paragraph of up to 400 stays whole), 40
 * tokens of sentences shared inside a split paragraph: with 1,000 characters, 15 of the 173 SQuAD
 * dev paragraphs were cut in two, each half ranked with statistics of its own (bench/RESULTS.md,
 * eval).
 */
export const INGESTION_CHUNK_OPTIONS: Readonly<ChunkOptions> = Object.freeze({
  size: 200,
  overlap: 40,
  unit: 'tokens',
});

/** Progress written when a stage starts (progress never goes down, see `advance`). */
export const STAGE_PROGRESS: Readonly<Record<Exclude<IngestionStage, 'validating'>, number>> =
  Object.freeze({ extracting: 10, chunking: 60, indexing: 80, done: 100 });

/** What `run` did; a thrown error means bull should retry (unless the error is permanent). */
export type IngestionOutcome = 'completed' | 'skipped';

/**
 * extract → chunk → index for one document and one ingestion run. Loads the state from the
 * database (the job carries ids only) and writes every change conditionally on still owning the
 * document, so a deleted or reingested document is never overwritten by an old run. Must run in
 * a MikroORM request context (the processor creates one per job).
 *
 * Observability: publishes `ingestion.progress` at each stage change (not awaited) and
 * `ingestion.completed` / `ingestion.failed` at the end (awaited, so their subscribers, e.g. the
 * stored notification, are done before the job ends; see IngestionEventPublisher), and observes
 * IngestionMetrics once per attempt that owned the document.
 */
@Injectable()
export class IngestionPipeline {
  private readonly logger = new Logger('IngestionPipeline');

  constructor(
    private readonly documents: DocumentRepository,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly events: IngestionEventPublisher,
    private readonly metrics: IngestionMetrics,
    config: ConfigService,
    private readonly ocr: OcrEngine,
    private readonly embedder: ChunkEmbedder,
  ) {
    const { maxPages, maxChars, extractionMaxRssMb } =
      config.getOrThrow<DocumentSettings>('documents');
    this.extractOptions = { limits: { maxPages, maxChars }, maxRssMb: extractionMaxRssMb };
  }

  /** Overridable by tests; production extracts in a child process with the configured limits. */
  extractOptions: ExtractInChildOptions;

  /**
   * @param attempt 1-based attempt number of this job
   * @param maxAttempts attempts bull will make in all; the last one marks transient failures final
   */
  async run(
    documentId: string,
    ingestionVersion: number,
    attempt = 1,
    maxAttempts: number = INGESTION_ATTEMPTS,
  ): Promise<IngestionOutcome> {
    // the document's row and the start of the run in one statement: no run that does not own
    // the document (deleted, reingested since, already finished) gets a row
    const claimed = await this.documents.claimForIngestion(
      documentId,
      ingestionVersion,
      attempt,
      STAGE_PROGRESS.extracting,
    );
    if (!claimed) {
      this.logger.debug(`skip document=${documentId} v${ingestionVersion}: not owned by this run`);
      return 'skipped';
    }
    const { document, state: started } = claimed;
    const endTimer = this.metrics.startTimer();
    let outcome: IngestionJobOutcome | undefined;
    this.progress(document, started);

    // milliseconds of each step, observed as `ingestion_step_duration_seconds` and logged
    const took: Partial<Record<'read' | 'extract' | 'chunk' | 'index' | 'embed', number>> = {};
    let mark = performance.now();
    const lap = (step: keyof typeof took) => {
      const now = performance.now();
      took[step] = now - mark;
      this.metrics.step(step, (now - mark) / 1000);
      mark = now;
    };
    try {
      // the file goes to the extraction process part by part as it is read (and decrypted):
      // the worker never holds the whole file ('read' ends with its last part, 'extract' when
      // the text is extracted)
      // (a scanned PDF's pages are read with OCR within 'extract': the file is read again then)
      const size = Number(document.size_bytes);
      // one span per stage (ingestion.extract, .chunk, .index), children of the job's span
      const stream = await inSpan(
        'ingestion.extract',
        () =>
          extractChunks(
            {
              size,
              parts: this.read(document.storage_key, size, () => lap('read')),
              reopen: () => this.read(document.storage_key, size, () => undefined),
            },
            document.kind as DocumentKind,
            INGESTION_CHUNK_OPTIONS,
            { ocr: this.ocr.runner(`document=${documentId}`), ...this.extractOptions },
          ),
        { 'docent.document.kind': document.kind, 'docent.document.size_bytes': size },
      );
      lap('extract');
      let chunkCount: number;
      let completed: boolean;
      try {
        if (!(await this.advance(document, ingestionVersion, 'chunking'))) return 'skipped';

        mark = performance.now();
        chunkCount = await inSpan('ingestion.chunk', () => stream.chunk());
        lap('chunk');
        if (!(await this.advance(document, ingestionVersion, 'indexing'))) return 'skipped';

        mark = performance.now();
        // the chunks in one transaction that holds the row lock (see the repository), written
        // batch by batch as the extraction process sends them
        const stored = await inSpan(
          'ingestion.index',
          () =>
            this.documents.storeChunks(
              documentId,
              ingestionVersion,
              batchesOf(stream),
              stream.pageCount,
            ),
          { 'docent.document.chunks': chunkCount },
        );
        if (stored === undefined) return 'skipped';
        lap('index');
        // then, for a short document, their vectors, outside that transaction (a delete or
        // reingest need not wait for the encoder), so it ranks by meaning from the start
        let embedded = 0;
        if (this.embedder.enabled && stored <= IN_RUN_EMBEDDING_CHUNKS) {
          embedded = await inSpan('ingestion.embed', () => this.embedder.embedDocument(documentId));
          lap('embed');
        }
        completed = await this.documents.completeIngestion(documentId, ingestionVersion);
        // a longer document's vectors (or a short one's the encoder failed on): in the background
        if (completed && this.embedder.enabled && embedded < stored) void this.embedder.catchUp();
      } finally {
        stream.close();
      }
      if (!completed) return 'skipped';
      outcome = 'completed';
      this.progress(document, { status: 'completed', stage: 'done', progress: 100 });
      // awaited: the subscribers (the completion notification) are done before the job ends
      await this.events.completed(this.finishedRun(document));
      const ms = (step: keyof typeof took) => `${step} ${(took[step] ?? 0).toFixed(1)}`;
      this.logger.log(
        `document=${documentId} v${ingestionVersion} completed: ${stream.pageCount} pages${stream.ocrPages > 0 ? ` (${stream.ocrPages} read with OCR)` : ''}, ${chunkCount} chunks (ms: ${(['read', 'extract', 'chunk', 'index', 'embed'] as const).map(ms).join(', ')})`,
      );
      return 'completed';
    } catch (error) {
      outcome = await this.fail(document, ingestionVersion, error, attempt >= maxAttempts);
      throw error;
    } finally {
      // a run that stopped owning the document half-way (skipped) is not observed
      if (outcome) endTimer(outcome);
    }
  }

  /**
   * Records a final failure; a transient error with attempts left only gets logged. Returns the
   * outcome to observe (undefined when the run no longer owned the document).
   */
  private async fail(
    document: DocumentRow,
    ingestionVersion: number,
    error: unknown,
    lastAttempt: boolean,
  ): Promise<IngestionJobOutcome | undefined> {
    const documentId = document.id;
    const permanent = isPermanentIngestionError(error);
    const reason = isExtractionError(error)
      ? // what the extraction sandbox refused (path, permission) is for the operator's log only
        error.code === 'sandbox_violation' && error.cause instanceof Error
        ? `${error.code}: ${error.cause.message}`
        : error.code
      : error instanceof Error
        ? error.message
        : String(error);
    if (!permanent && !lastAttempt) {
      this.logger.warn(`document=${documentId} v${ingestionVersion} will retry: ${reason}`);
      return 'retry';
    }
    const [code, message] =
      permanent && isExtractionError(error)
        ? [error.code, error.message]
        : [INGESTION_FAILED_CODE, INGESTION_FAILED_MESSAGE];
    this.logger.warn(`document=${documentId} v${ingestionVersion} failed (${code}): ${reason}`);
    const failed = await this.documents
      .failIngestion(documentId, ingestionVersion, code, message)
      .catch((writeError: unknown) => {
        // the job still fails; bull records it, and the document can be reingested
        this.logger.error(
          `document=${documentId}: could not record the failure: ${String(writeError)}`,
        );
        return null;
      });
    // not owned any more (deleted or reingested meanwhile): nothing failed for this document
    if (failed === undefined) return undefined;
    this.metrics.failed(code);
    if (failed) {
      this.progress(document, failed);
      await this.events.failed(this.finishedRun(document), { code, message });
    }
    return 'failed';
  }

  /** Publishes `ingestion.progress` without waiting for its subscribers (never throws). */
  private progress(document: DocumentRow, state: IngestionState): void {
    void this.events.progress({
      documentId: document.id,
      ownerId: document.owner_id,
      status: state.status,
      stage: state.stage,
      progress: state.progress,
    });
  }

  private finishedRun(document: DocumentRow): FinishedRun {
    return {
      documentId: document.id,
      ownerId: document.owner_id,
      batchId: document.batch_id,
      filename: document.filename,
      ingestionVersion: document.ingestion_version,
    };
  }

  /**
   * Moves to `stage` and raises progress to its value (never lowers it), then publishes the
   * progress actually stored.
   */
  private async advance(
    document: DocumentRow,
    ingestionVersion: number,
    stage: keyof typeof STAGE_PROGRESS,
  ): Promise<boolean> {
    const state = await this.documents.advanceIngestion(
      document.id,
      ingestionVersion,
      stage,
      STAGE_PROGRESS[stage],
    );
    if (!state) return false;
    this.progress(document, state);
    return true;
  }

  /** The stored file's parts, refusing more bytes than the document's recorded size. */
  private async *read(
    storageKey: string,
    sizeBytes: number,
    onRead: () => void,
  ): AsyncGenerator<Buffer> {
    const stream: Readable = await this.storage.get(storageKey);
    let total = 0;
    try {
      for await (const chunk of stream) {
        const part = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        total += part.length;
        if (total > sizeBytes) {
          throw new ExtractionError(
            'corrupt_file',
            'The stored file is larger than the uploaded one.',
          );
        }
        yield part;
      }
      onRead();
    } finally {
      stream.destroy();
    }
  }
}

/**
 * The stream's batches in order; the next one is asked for before the current one is handed on,
 * so the extraction process prepares it while the current one is written (two batches in memory
 * at most).
 */
async function* batchesOf(stream: ChunkStream): AsyncGenerator<Chunk[]> {
  let next = stream.next();
  for (;;) {
    const batch = await next;
    if (batch.length === 0) return;
    next = stream.next();
    // if the consumer stops early, nobody awaits this one: its failure must not go unhandled
    next.catch(() => undefined);
    yield batch;
  }
}

/** True for failures that would fail the same way again: bull must not retry them. */
export function isPermanentIngestionError(error: unknown): boolean {
  return isExtractionError(error) && error.permanent;
}
