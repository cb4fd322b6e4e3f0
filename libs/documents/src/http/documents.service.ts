import { subject } from '@casl/ability';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Readable } from 'node:stream';
import { AuditService } from '@docent/audit';
import type { AuthUser } from '@docent/auth';
import { type AppAbility, accessibleWhere } from '@docent/authorization';
import {
  AppError,
  DomainEventBus,
  NotFoundError,
  RequestContext,
  decodeCursor,
  toPage,
  uuidv7,
} from '@docent/common';
import type { DocumentSettings } from '@docent/config';
import { FILE_STORAGE, type FileStorage } from '@docent/storage';
import { Document } from '../entities/document.entity';
import { DocumentShare } from '../entities/document-share.entity';
import { detectType, HEAD_BYTES, isRejection, sanitizeFilename } from '../ingestion/detect-type';
import { IngestionProducer } from '../ingestion.producer';
import { StorageCleanupProducer } from '../storage-cleanup.producer';
import {
  DocumentDto,
  type DocumentPageDto,
  type StorageUsageDto,
  type UploadRejectionDto,
  type UploadResultDto,
} from './dto/document-response.dto';
import type { ListDocumentsQueryDto } from './dto/list-documents-query.dto';

/** How long a request waits for the queue before leaving the document to the pending re-queue. */
const ENQUEUE_TIMEOUT_MS = 3000;

/** One part of a multipart upload, as @fastify/multipart yields it (only what we use). */
export type UploadPart =
  | {
      type: 'file';
      fieldname: string;
      filename: string;
      file: Readable & { truncated?: boolean };
    }
  | { type: 'field'; fieldname: string };

interface StagedFile {
  id: string;
  key: string;
  filename: string;
  kind: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
}

export interface Access {
  document: Document;
  /** The caller's share of the document, when the ability alone does not let them read it. */
  share: DocumentShare | null;
}

interface Position extends Record<string, unknown> {
  createdAt: string;
  id: string;
}

const isPosition = (value: Record<string, unknown>): value is Position =>
  typeof value.createdAt === 'string' &&
  !Number.isNaN(Date.parse(value.createdAt)) &&
  typeof value.id === 'string' &&
  /^[0-9a-f-]{36}$/.test(value.id);

const tooLarge = (maxBytes: number) =>
  new AppError(
    'too_large',
    'file_too_large',
    `A file is larger than the limit of ${maxBytes} bytes; nothing was kept.`,
  );

const tooManyFiles = (maxFiles: number) =>
  new AppError(
    'bad_request',
    'too_many_files',
    `At most ${maxFiles} files may be uploaded at once; nothing was kept.`,
  );

const notFound = () => new NotFoundError('Document');

/**
 * Nothing of the upload was kept: 422 problem details that still carry the upload result
 * (`batchId`, `accepted`, `rejected`) as extension members, so clients read it either way.
 */
function noFileAccepted(batchId: string, rejected: UploadRejectionDto[]): AppError {
  return new AppError(
    'unprocessable',
    'no_file_accepted',
    'No file of the upload was accepted; `rejected` gives the reason for each.',
    { extensions: { batchId, accepted: [], rejected } },
  );
}

function quotaRejection(filename: string, quota: number, room: number): UploadRejectionDto {
  return {
    filename,
    code: 'quota_exceeded',
    message:
      `Storing this file would exceed your storage quota of ${quota} bytes ` +
      `(${Math.max(0, room)} bytes left); delete documents to make room.`,
  };
}

/** CASL conditions name the owner `ownerId`; the entity's property is `owner`. */
function toEntityWhere(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toEntityWhere);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
        key === 'ownerId' ? 'owner' : key,
        toEntityWhere(inner),
      ]),
    );
  }
  return value;
}

/** The document as CASL sees it (conditions are written against these fields). */
export function asSubject(document: Document) {
  return subject('Document', {
    id: document.id,
    ownerId: document.owner.id,
    status: document.status,
    kind: document.kind,
    mimeType: document.mimeType,
    batchId: document.batchId,
  });
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * The file again as a stream: the head already read for type detection, then the rest of the
 * multipart stream. Not `Readable.from(async generator)`: on Node 24 destroying that stream
 * awaits the generator's `return()`, which waits for the client's next chunk, so a file cut at the
 * quota would stay on disk (and the request hang) until the client sent more. Destroying this one
 * settles at once; the caller drains what is left of the part.
 */
function restOfFile(head: Buffer, ended: boolean, iterator: AsyncIterator<Buffer>): Readable {
  let headSent = false;
  return new Readable({
    read() {
      if (!headSent) {
        headSent = true;
        this.push(head);
        if (ended) this.push(null);
        return;
      }
      iterator.next().then(
        (next) => this.push(next.done ? null : next.value),
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
}

/** Codes @fastify/multipart gives its limit errors. */
function multipartErrorCode(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * Documents over HTTP: streamed uploads with validation before anything is queued, reads and
 * downloads checked against the caller's ability (and shares), delete and reingest.
 */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger(DocumentsService.name);
  private readonly settings: DocumentSettings;

  constructor(
    private readonly em: EntityManager,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly producer: IngestionProducer,
    private readonly cleanup: StorageCleanupProducer,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly bus: DomainEventBus,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<DocumentSettings>('documents');
  }

  // ---------------------------------------------------------------- upload

  /**
   * Streams every file of a multipart upload into storage, validating each on the way. A file
   * over the size limit or too many files fail the whole request and remove what it stored.
   * Accepted files are committed together, then enqueued one by one.
   */
  async upload(caller: AuthUser, parts: AsyncIterable<UploadPart>): Promise<UploadResultDto> {
    const { uploadMaxFiles } = this.settings;
    const batchId = uuidv7();
    const staged: StagedFile[] = [];
    const rejected: UploadRejectionDto[] = [];
    let files = 0;
    // what the quota leaves: a first cut while streaming; persist() decides under a lock
    let room = await this.roomLeft(caller);
    try {
      for await (const part of parts) {
        if (part.type !== 'file') continue;
        files += 1;
        if (files > uploadMaxFiles) throw tooManyFiles(uploadMaxFiles);
        if (part.fieldname !== 'files') {
          await this.drain(part.file);
          throw new AppError(
            'bad_request',
            'unexpected_field',
            `Files must be sent in the "files" field, not "${sanitizeFilename(part.fieldname)}".`,
            { errors: [{ field: 'files', message: 'files must be sent in the "files" field' }] },
          );
        }
        const outcome = await this.receive(caller, part.filename, part.file, staged, room);
        if ('code' in outcome) {
          rejected.push(outcome);
        } else {
          staged.push(outcome);
          room -= outcome.sizeBytes;
        }
      }
    } catch (error) {
      await this.discard(staged);
      throw this.translateMultipartError(error);
    }
    if (files === 0) {
      throw new AppError('bad_request', 'no_files', 'The request contains no files.', {
        errors: [{ field: 'files', message: 'at least one file is required' }],
      });
    }
    if (staged.length === 0) throw noFileAccepted(batchId, rejected);

    const { documents, overQuota } = await this.persist(caller, batchId, staged);
    rejected.push(...overQuota);
    if (documents.length === 0) throw noFileAccepted(batchId, rejected);
    const requestId = this.context.snapshot().requestId ?? undefined;
    for (const document of documents) {
      await this.tryEnqueue(document, requestId);
    }
    for (const document of documents) {
      await this.audit.record({
        action: 'document.uploaded',
        targetType: 'Document',
        targetId: document.id,
        metadata: {
          batchId,
          filename: document.filename,
          mimeType: document.mimeType,
          sizeBytes: Number(document.sizeBytes),
        },
      });
    }
    await this.bus.emit('documents.uploaded', {
      userId: caller.id,
      batchId,
      files: documents.length,
      bytes: documents.reduce((sum, d) => sum + Number(d.sizeBytes), 0),
    });
    return { batchId, accepted: documents.map((d) => DocumentDto.from(d)), rejected };
  }

  /** One file: type from its head, then the whole stream into storage (size, sha256), dedupe. */
  private async receive(
    caller: AuthUser,
    rawFilename: string,
    file: Readable & { truncated?: boolean },
    staged: readonly StagedFile[],
    room: number,
  ): Promise<StagedFile | UploadRejectionDto> {
    const filename = sanitizeFilename(rawFilename ?? '') || 'unnamed';
    const iterator = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const headChunks: Buffer[] = [];
    let headLength = 0;
    let ended = false;
    while (headLength < HEAD_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      headChunks.push(next.value);
      headLength += next.value.length;
    }
    const head = Buffer.concat(headChunks);
    const detection = await detectType(head, filename, { truncated: !ended });
    if (isRejection(detection)) {
      if (!ended) await this.drainIterator(iterator);
      if (file.truncated) throw tooLarge(this.settings.uploadMaxBytes);
      return { filename, code: detection.code, message: detection.message };
    }

    const id = uuidv7();
    const key = `documents/${id}`;
    // the stream is cut at whichever comes first, so no more than the quota is ever stored
    const quotaBinds = room < this.settings.uploadMaxBytes;
    let result;
    try {
      result = await this.storage.put(key, restOfFile(head, ended, iterator), {
        maxBytes: quotaBinds ? Math.max(0, room) : this.settings.uploadMaxBytes,
      });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'storage_too_large')) throw error;
      if (!quotaBinds) throw tooLarge(this.settings.uploadMaxBytes);
      // the rest of this file is read and dropped (at most UPLOAD_MAX_BYTES), so the next files
      // of the request are still received
      await this.drainIterator(iterator);
      if (file.truncated) throw tooLarge(this.settings.uploadMaxBytes);
      return quotaRejection(filename, this.settings.storageQuotaBytes, room);
    }
    // busboy cuts a file at the limit and flags it, rather than failing the stream
    if (file.truncated) {
      await this.storage.delete(key).catch(() => undefined);
      throw tooLarge(this.settings.uploadMaxBytes);
    }
    const sha256 = result.sha256 ?? '';
    const existingId =
      staged.find((other) => other.sha256 === sha256)?.id ??
      (await this.em.fork().findOne(Document, { owner: caller.id, sha256 }, { fields: ['id'] }))
        ?.id;
    if (existingId) {
      await this.storage.delete(key);
      return {
        filename,
        code: 'duplicate',
        message: 'You already uploaded a document with the same content.',
        existingId,
      };
    }
    return {
      id,
      key,
      filename,
      kind: detection.kind,
      mimeType: detection.mime,
      sizeBytes: result.sizeBytes,
      sha256,
    };
  }

  /**
   * Commits the accepted files in one transaction; on failure nothing is kept. With a quota, the
   * user's row is locked first, so concurrent uploads of one user are checked one after the
   * other against what is committed: files that no longer fit are rejected (`quota_exceeded`)
   * and their stored copies removed.
   */
  private async persist(
    caller: AuthUser,
    batchId: string,
    staged: readonly StagedFile[],
  ): Promise<{ documents: Document[]; overQuota: UploadRejectionDto[] }> {
    const em = this.em.fork();
    const quota = this.settings.storageQuotaBytes;
    let refused: StagedFile[] = [];
    let room = Number.POSITIVE_INFINITY;
    let documents: Document[];
    try {
      documents = await em.transactional(async (tx) => {
        let fitting = staged;
        if (quota > 0) ({ fitting, refused, room } = await this.splitByQuota(tx, caller, staged));
        const now = new Date();
        return fitting.map((file) =>
          tx.create(Document, {
            id: file.id,
            owner: caller.id,
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
    } catch (error) {
      await this.discard(staged);
      if (error instanceof UniqueConstraintViolationException) {
        throw new AppError(
          'conflict',
          'duplicate',
          'A document with the same content was uploaded at the same time; nothing was kept.',
          { cause: error },
        );
      }
      throw error;
    }
    await this.discard(refused);
    return {
      documents,
      overQuota: refused.map((file) => quotaRejection(file.filename, quota, room)),
    };
  }

  /**
   * Under a lock on the caller's user row (held until the transaction ends, so uploads of one
   * user are checked one at a time against committed documents), keeps the files that still fit
   * the quota, in order. Returns the room left after them.
   */
  private async splitByQuota(
    tx: EntityManager,
    caller: AuthUser,
    staged: readonly StagedFile[],
  ): Promise<{ fitting: StagedFile[]; refused: StagedFile[]; room: number }> {
    await tx.execute(`select 1 from users where id = ? for no key update`, [caller.id]);
    let room = this.settings.storageQuotaBytes - (await this.usedBytes(tx, caller.id));
    const fitting: StagedFile[] = [];
    const refused: StagedFile[] = [];
    for (const file of staged) {
      if (file.sizeBytes <= room) {
        fitting.push(file);
        room -= file.sizeBytes;
      } else {
        refused.push(file);
      }
    }
    return { fitting, refused, room };
  }

  /** Bytes the caller may still store: +∞ without a quota, possibly ≤ 0 when it is used up. */
  private async roomLeft(caller: AuthUser): Promise<number> {
    const quota = this.settings.storageQuotaBytes;
    if (quota === 0) return Number.POSITIVE_INFINITY;
    return quota - (await this.usedBytes(this.em.fork(), caller.id));
  }

  private async usedBytes(em: EntityManager, ownerId: string): Promise<number> {
    const [row] = await em.execute<{ used: string }[]>(
      `select coalesce(sum(size_bytes), 0)::text as used from documents where owner_id = ?`,
      [ownerId],
    );
    return Number(row?.used ?? 0);
  }

  /** What the caller's documents take and what the quota allows (`GET /documents/usage`). */
  async usage(caller: AuthUser): Promise<StorageUsageDto> {
    const em = this.em.fork();
    const [row] = await em.execute<{ used: string; documents: string }[]>(
      `select coalesce(sum(size_bytes), 0)::text as used, count(*)::text as documents
         from documents where owner_id = ?`,
      [caller.id],
    );
    const usedBytes = Number(row?.used ?? 0);
    const quota = this.settings.storageQuotaBytes;
    return {
      usedBytes,
      documents: Number(row?.documents ?? 0),
      quotaBytes: quota === 0 ? null : quota,
      remainingBytes: quota === 0 ? null : Math.max(0, quota - usedBytes),
    };
  }

  private async discard(staged: readonly StagedFile[]): Promise<void> {
    await Promise.all(
      staged.map((file) =>
        this.storage.delete(file.key).catch((error: unknown) => {
          this.logger.warn({ err: error, key: file.key }, 'could not remove a discarded upload');
        }),
      ),
    );
  }

  private async drain(file: Readable): Promise<void> {
    await this.drainIterator(file[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  }

  private async drainIterator(iterator: AsyncIterator<Buffer>): Promise<void> {
    for (;;) {
      if ((await iterator.next()).done) return;
    }
  }

  private translateMultipartError(error: unknown): unknown {
    switch (multipartErrorCode(error)) {
      case 'FST_REQ_FILE_TOO_LARGE':
        return tooLarge(this.settings.uploadMaxBytes);
      case 'FST_FILES_LIMIT':
        return tooManyFiles(this.settings.uploadMaxFiles);
      case 'FST_PARTS_LIMIT':
      case 'FST_FIELDS_LIMIT':
        return new AppError(
          'bad_request',
          'too_many_parts',
          'The upload has too many form fields; send only "files".',
        );
      case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
        return new AppError(
          'unsupported_media_type',
          'multipart_required',
          'Upload files as multipart/form-data.',
        );
      case 'FST_PROTO_VIOLATION':
        return new AppError('bad_request', 'unexpected_field', 'Send files in the "files" field.', {
          cause: error,
        });
      case 'ERR_STREAM_PREMATURE_CLOSE':
        return new AppError('bad_request', 'malformed_multipart', 'The upload was cut short.', {
          cause: error,
        });
      default:
        // busboy's parse errors are plain Errors: a missing boundary, a broken part header
        if (
          error instanceof Error &&
          /Boundary not found|Malformed part header/i.test(error.message)
        ) {
          return new AppError(
            'bad_request',
            'malformed_multipart',
            'The multipart body is malformed.',
            {
              cause: error,
            },
          );
        }
        if (error instanceof Error && /terminated early|Unexpected end/i.test(error.message)) {
          return new AppError('bad_request', 'malformed_multipart', 'The upload was cut short.', {
            cause: error,
          });
        }
        return error;
    }
  }

  /**
   * Queues the document's job. When the queue is unreachable the document stays `queued` with
   * `enqueuedAt` null and the worker side's pending re-queue picks it up; the request still
   * succeeds.
   */
  private async tryEnqueue(
    document: Pick<Document, 'id' | 'ingestionVersion'>,
    requestId?: string,
  ): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.producer.enqueue(document, requestId),
        new Promise((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error('enqueue timed out')),
            ENQUEUE_TIMEOUT_MS,
          ).unref();
        }),
      ]);
    } catch (error) {
      this.logger.warn(
        { err: error, documentId: document.id },
        'could not enqueue ingestion; the document stays queued for the pending re-queue',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------------------------------------------------------------- reads

  /** Documents the caller may read (by ability or through a share), newest first, in SQL. */
  async list(
    caller: AuthUser,
    ability: AppAbility,
    query: ListDocumentsQueryDto,
  ): Promise<DocumentPageDto> {
    const em = this.em.fork();
    const where: object[] = [this.readableWhere(em, caller, ability)];
    if (query.status) where.push({ status: query.status });
    if (query.q) where.push({ filename: { $ilike: `%${escapeLike(query.q)}%` } });
    if (query.cursor) {
      const position = decodeCursor(query.cursor, isPosition);
      const createdAt = new Date(position.createdAt);
      where.push({
        $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: position.id } }],
      });
    }
    const rows = await em
      .createQueryBuilder(Document, 'd')
      .select('*')
      .where({ $and: where })
      .orderBy({ createdAt: 'desc', id: 'desc' })
      .limit(query.limit + 1)
      .getResult();
    return toPage(
      rows,
      query.limit,
      (row) => DocumentDto.from(row),
      (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }),
    );
  }

  async get(caller: AuthUser, ability: AppAbility, id: string): Promise<DocumentDto> {
    const { document } = await this.loadReadable(this.em.fork(), caller, ability, id);
    return DocumentDto.from(document);
  }

  /** The original file as a stream, with what the response headers need. */
  async content(
    caller: AuthUser,
    ability: AppAbility,
    id: string,
  ): Promise<{ stream: Readable; filename: string; mimeType: string; sizeBytes: number }> {
    const { document } = await this.loadReadable(this.em.fork(), caller, ability, id);
    let stream: Readable;
    try {
      stream = await this.storage.get(document.storageKey);
    } catch (error) {
      if (error instanceof AppError && error.code === 'storage_not_found') {
        this.logger.error({ documentId: id }, 'document file missing from storage');
        throw new AppError('not_found', 'document_content_not_found', 'The file is missing.');
      }
      throw error;
    }
    return {
      stream,
      filename: document.filename,
      mimeType: document.mimeType,
      sizeBytes: Number(document.sizeBytes),
    };
  }

  // ---------------------------------------------------------------- changes

  /**
   * Removes the document, its chunks and shares (cascade) and any waiting job. A document being
   * processed is marked `cancelled` first so the worker stops. The file is not removed here: the
   * delete's trigger puts its key in the `storage_deletions` outbox in the same statement, and the
   * worker removes it (retried until done, audited); the hint only makes that happen at once.
   */
  async remove(caller: AuthUser, ability: AppAbility, id: string): Promise<void> {
    const em = this.em.fork();
    const { document } = await this.loadReadable(em, caller, ability, id);
    if (!ability.can('delete', asSubject(document))) {
      throw new AppError('forbidden', 'forbidden', 'You may not delete this document.');
    }
    if (document.status === 'processing') {
      await em.nativeUpdate(Document, { id }, { status: 'cancelled', updatedAt: new Date() });
    }
    await this.bestEffortCancel(document);
    await em.nativeDelete(Document, { id });
    await this.cleanup.hintQuietly(this.context.snapshot().requestId ?? undefined);
    await this.audit.record({
      action: 'document.deleted',
      targetType: 'Document',
      targetId: id,
      metadata: { filename: document.filename, ownerId: document.owner.id },
    });
  }

  /** Runs ingestion again as a new run (new job id); the old run's waiting job is removed. */
  async reingest(caller: AuthUser, ability: AppAbility, id: string): Promise<DocumentDto> {
    const em = this.em.fork();
    const { document, share } = await this.loadReadable(em, caller, ability, id);
    if (!ability.can('update', asSubject(document)) && share?.permission !== 'write') {
      throw new AppError('forbidden', 'forbidden', 'You may not reingest this document.');
    }
    await this.bestEffortCancel(document);
    const previous = document.ingestionVersion;
    const updated = await em.nativeUpdate(
      Document,
      { id, ingestionVersion: previous },
      {
        ingestionVersion: previous + 1,
        status: 'queued',
        stage: 'validating',
        progress: 0,
        attempts: 0,
        errorCode: null,
        errorMessage: null,
        completedAt: null,
        enqueuedAt: null,
        updatedAt: new Date(),
      },
    );
    if (updated === 0) {
      throw new AppError(
        'conflict',
        'reingest_in_progress',
        'The document was changed at the same time; try again.',
      );
    }
    const fresh = await em.fork().findOneOrFail(Document, id);
    await this.tryEnqueue(fresh, this.context.snapshot().requestId ?? undefined);
    await this.audit.record({
      action: 'document.reingested',
      targetType: 'Document',
      targetId: id,
      metadata: { ingestionVersion: fresh.ingestionVersion },
    });
    return DocumentDto.from(fresh);
  }

  private async bestEffortCancel(document: Document): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.producer.cancel(document),
        new Promise((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error('cancel timed out')),
            ENQUEUE_TIMEOUT_MS,
          ).unref();
        }),
      ]);
    } catch (error) {
      // the worker reloads the document and stops when it is gone or its version moved on
      this.logger.warn({ err: error, documentId: document.id }, 'could not cancel the queued job');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The documents the caller may read (by ability or through a share), as a MikroORM filter on
   * `Document`; used by the list and by search.
   */
  readableWhere(em: EntityManager, caller: AuthUser, ability: AppAbility): object {
    const visible: object[] = [];
    const readable = accessibleWhere(ability, 'read', 'Document');
    // an unconditional rule (admins read every document) is `{}`, which MikroORM would drop from
    // the `$or` below, leaving only the shares: say "every document" explicitly
    if (readable && Object.keys(readable).length === 0) return { id: { $ne: null } };
    if (readable) visible.push(toEntityWhere(readable) as object);
    const shared = em
      .createQueryBuilder(DocumentShare, 's')
      .select('s.document')
      .where({ user: caller.id });
    visible.push({ id: { $in: shared.getNativeQuery() } });
    return { $or: visible };
  }

  /** 404 unless the caller's ability or a share lets them read the document. */
  async loadReadable(
    em: EntityManager,
    caller: AuthUser,
    ability: AppAbility,
    id: string,
  ): Promise<Access> {
    const document = await em.findOne(Document, id);
    if (!document) throw notFound();
    const share = await em.findOne(DocumentShare, { document: id, user: caller.id });
    if (ability.can('read', asSubject(document)) || share) return { document, share };
    throw notFound();
  }
}
