import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Readable } from 'node:stream';
import { AuditService } from '@docent/audit';
import type { AuthUser } from '@docent/auth';
import { DomainEventBus, RequestContext, uuidv7 } from '@docent/common';
import type { DocumentSettings } from '@docent/config';
import { FILE_STORAGE, type FileStorage, StorageTooLargeError } from '@docent/storage';
import type { NewDocument } from '../document.records';
import { DocumentRepository } from '../document.repository';
import {
  duplicateRejection,
  duplicateUploadConflict,
  fileTooLarge,
  malformedMultipart,
  noFileAccepted,
  noFiles,
  quotaRejection,
  tooManyFiles,
  unexpectedField,
} from '../documents.errors';
import type { Document } from '../entities/document.entity';
import {
  DocumentDto,
  type UploadRejectionDto,
  type UploadResultDto,
} from '../dto/document-response.dto';
import { detectType, HEAD_BYTES, isRejection, sanitizeFilename } from '../ingestion/detect-type';
import { IngestionProducer } from '../ingestion.producer';
import { StorageCleanupProducer } from '../storage-cleanup.producer';
import {
  drain,
  drainIterator,
  restOfFile,
  translateMultipartError,
  type UploadPart,
} from './multipart';

/** The client closed the connection before the answer: nobody reads this, it is logged. */
const uploadAbandoned = () =>
  malformedMultipart('The client closed the connection before the upload was answered.', null);

/** An accepted upload: its answer, and how to take it back when the answer cannot be delivered. */
export interface UploadOutcome {
  result: UploadResultDto;
  /** Deletes the upload's documents (the client left before the answer reached it). */
  abandon(): Promise<void>;
}

/**
 * Uploads: every file of a multipart request streamed into storage and validated on the way
 * (type from its head, size, the quota), deduplicated by content, then committed together and
 * enqueued one by one.
 */
@Injectable()
export class UploadService {
  private readonly logger = new Logger(UploadService.name);
  private readonly settings: DocumentSettings;

  constructor(
    private readonly documents: DocumentRepository,
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

  /**
   * Streams every file of a multipart upload into storage, validating each on the way. A file
   * over the size limit or too many files fail the whole request and remove what it stored.
   * Accepted files are committed together, then enqueued one by one.
   *
   * `clientGone` says whether the client has closed the connection (a cancelled upload): the
   * answer, with the ids of the accepted documents, could no longer reach it, so nothing is kept.
   * Checked once the whole body is read (nothing is committed then) and again once the documents
   * are committed and enqueued (they are deleted). The caller sends the answer and, when the
   * connection closes before the answer was handed over whole, calls `abandon` of the outcome: so
   * the client can never be left with documents it does not know of.
   */
  async upload(
    caller: AuthUser,
    parts: AsyncIterable<UploadPart>,
    clientGone: () => boolean = () => false,
  ): Promise<UploadOutcome> {
    const { uploadMaxFiles } = this.settings;
    const batchId = uuidv7();
    const staged: NewDocument[] = [];
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
          await drain(part.file);
          throw unexpectedField(sanitizeFilename(part.fieldname));
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
      throw translateMultipartError(error, this.settings);
    }
    if (clientGone()) {
      await this.discard(staged);
      throw uploadAbandoned();
    }
    if (files === 0) throw noFiles();
    if (staged.length === 0) throw noFileAccepted(batchId, rejected);

    const { documents, overQuota } = await this.persist(caller, batchId, staged);
    rejected.push(...overQuota);
    if (documents.length === 0) throw noFileAccepted(batchId, rejected);
    const requestId = this.context.snapshot().requestId ?? undefined;
    for (const document of documents) {
      await this.producer.tryEnqueue(document, requestId);
    }
    // before the upload is audited and counted: a cancelled upload is neither
    if (clientGone()) {
      await this.abandon(documents, requestId);
      throw uploadAbandoned();
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
    if (clientGone()) {
      await this.abandon(documents, requestId);
      throw uploadAbandoned();
    }
    return {
      result: { batchId, accepted: documents.map((d) => DocumentDto.from(d)), rejected },
      abandon: () => this.abandon(documents, requestId),
    };
  }

  /**
   * Deletes the documents of an upload whose client left before the answer (their jobs, rows,
   * and through the outbox their files), audited as deletions.
   */
  private async abandon(documents: readonly Document[], requestId?: string): Promise<void> {
    for (const document of documents) {
      // as a delete does: a run a worker already started stops at its next step
      await this.documents.cancel(document.id);
      await this.producer.tryCancel(document);
      await this.documents.delete(document.id);
      await this.audit.record({
        action: 'document.deleted',
        targetType: 'Document',
        targetId: document.id,
        metadata: { filename: document.filename, reason: 'upload_abandoned' },
      });
    }
    await this.cleanup.hintQuietly(requestId);
    this.logger.log(
      { documents: documents.length },
      'the client left before the upload was answered: its documents were deleted',
    );
  }

  /** One file: type from its head, then the whole stream into storage (size, sha256), dedupe. */
  private async receive(
    caller: AuthUser,
    rawFilename: string,
    file: Readable & { truncated?: boolean },
    staged: readonly NewDocument[],
    room: number,
  ): Promise<NewDocument | UploadRejectionDto> {
    const { uploadMaxBytes } = this.settings;
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
      if (!ended) await drainIterator(iterator);
      if (file.truncated) throw fileTooLarge(uploadMaxBytes);
      return { filename, code: detection.code, message: detection.message };
    }

    const id = uuidv7();
    const key = `documents/${id}`;
    // the stream is cut at whichever comes first, so no more than the quota is ever stored
    const quotaBinds = room < uploadMaxBytes;
    let result;
    try {
      result = await this.storage.put(key, restOfFile(head, ended, iterator), {
        maxBytes: quotaBinds ? Math.max(0, room) : uploadMaxBytes,
      });
    } catch (error) {
      if (!(error instanceof StorageTooLargeError)) throw error;
      if (!quotaBinds) throw fileTooLarge(uploadMaxBytes);
      // the rest of this file is read and dropped (at most UPLOAD_MAX_BYTES), so the next files
      // of the request are still received
      await drainIterator(iterator);
      if (file.truncated) throw fileTooLarge(uploadMaxBytes);
      return quotaRejection(filename, this.settings.storageQuotaBytes, room);
    }
    // busboy cuts a file at the limit and flags it, rather than failing the stream
    if (file.truncated) {
      await this.storage.delete(key).catch(() => undefined);
      throw fileTooLarge(uploadMaxBytes);
    }
    const sha256 = result.sha256 ?? '';
    const existingId =
      staged.find((other) => other.sha256 === sha256)?.id ??
      (await this.documents.findIdBySha256(caller.id, sha256));
    if (existingId) {
      await this.storage.delete(key);
      return duplicateRejection(filename, existingId);
    }
    const { kind, mime: mimeType } = detection;
    return { id, key, filename, kind, mimeType, sizeBytes: result.sizeBytes, sha256 };
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
    staged: readonly NewDocument[],
  ): Promise<{ documents: Document[]; overQuota: UploadRejectionDto[] }> {
    const quota = this.settings.storageQuotaBytes;
    let refused: NewDocument[] = [];
    let room = Number.POSITIVE_INFINITY;
    // keeps the files that still fit, in order; `room` is what is left after them
    const fit = (usedBytes: number) => {
      room = quota - usedBytes;
      const fitting: NewDocument[] = [];
      refused = [];
      for (const file of staged) {
        if (file.sizeBytes <= room) {
          fitting.push(file);
          room -= file.sizeBytes;
        } else {
          refused.push(file);
        }
      }
      return fitting;
    };
    let documents: Document[];
    try {
      documents = await this.documents.insertBatch(
        caller.id,
        batchId,
        staged,
        quota > 0 ? fit : undefined,
      );
    } catch (error) {
      await this.discard(staged);
      if (error instanceof UniqueConstraintViolationException) throw duplicateUploadConflict(error);
      throw error;
    }
    await this.discard(refused);
    return {
      documents,
      overQuota: refused.map((file) => quotaRejection(file.filename, quota, room)),
    };
  }

  /** Bytes the caller may still store: +∞ without a quota, possibly ≤ 0 when it is used up. */
  private async roomLeft(caller: AuthUser): Promise<number> {
    const quota = this.settings.storageQuotaBytes;
    if (quota === 0) return Number.POSITIVE_INFINITY;
    return quota - (await this.documents.usage(caller.id)).usedBytes;
  }

  private async discard(staged: readonly NewDocument[]): Promise<void> {
    await Promise.all(
      staged.map((file) =>
        this.storage.delete(file.key).catch((error: unknown) => {
          this.logger.warn({ err: error, key: file.key }, 'could not remove a discarded upload');
        }),
      ),
    );
  }
}
