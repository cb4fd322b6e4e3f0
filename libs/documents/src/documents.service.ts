import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Readable } from 'node:stream';
import { AuditService } from '@docent/audit';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { RequestContext, timeIdCursor, toPage } from '@docent/common';
import type { DocumentSettings } from '@docent/config';
import { FILE_STORAGE, type FileStorage, StorageNotFoundError } from '@docent/storage';
import { DocumentAccess } from './access/document-access';
import { DocumentRepository } from './document.repository';
import { contentNotFound, forbidden, reingestInProgress } from './documents.errors';
import {
  DocumentDto,
  type DocumentPageDto,
  type StorageUsageDto,
} from './dto/document-response.dto';
import type { ListDocumentsQueryDto } from './dto/list-documents-query.dto';
import { IngestionProducer } from './ingestion.producer';
import { StorageCleanupProducer } from './storage-cleanup.producer';

/** `{ createdAt, id }`: the field names of the cursors handed out before the helper. */
const CURSOR = timeIdCursor();

/**
 * Documents once uploaded (uploads are the UploadService's): reads and downloads checked
 * against the caller's ability and shares (DocumentAccess), the storage usage, delete and
 * reingest.
 */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger(DocumentsService.name);
  private readonly settings: DocumentSettings;

  constructor(
    private readonly documents: DocumentRepository,
    private readonly access: DocumentAccess,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly producer: IngestionProducer,
    private readonly cleanup: StorageCleanupProducer,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<DocumentSettings>('documents');
  }

  // ---------------------------------------------------------------- reads

  /** Documents the caller may read (by ability or through a share), newest first, in SQL. */
  async list(
    caller: AuthUser,
    ability: AppAbility,
    query: ListDocumentsQueryDto,
  ): Promise<DocumentPageDto> {
    const after = query.cursor ? CURSOR.decode(query.cursor) : undefined;
    const rows = await this.documents.list(
      this.access.readableWhere(caller, ability),
      { status: query.status, filename: query.q, after },
      query.limit + 1,
    );
    return toPage(
      rows,
      query.limit,
      (row) => DocumentDto.from(row),
      (row) => CURSOR.position(row.createdAt, row.id),
    );
  }

  async get(caller: AuthUser, ability: AppAbility, id: string): Promise<DocumentDto> {
    const { document } = await this.access.loadReadable(caller, ability, id);
    return DocumentDto.from(document);
  }

  /** The original file as a stream, with what the response headers need. */
  async content(
    caller: AuthUser,
    ability: AppAbility,
    id: string,
  ): Promise<{ stream: Readable; filename: string; mimeType: string; sizeBytes: number }> {
    const { document } = await this.access.loadReadable(caller, ability, id);
    let stream: Readable;
    try {
      stream = await this.storage.get(document.storageKey);
    } catch (error) {
      if (error instanceof StorageNotFoundError) {
        this.logger.error({ documentId: id }, 'document file missing from storage');
        throw contentNotFound();
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

  /** What the caller's documents take and what the quota allows (`GET /documents/usage`). */
  async usage(caller: AuthUser): Promise<StorageUsageDto> {
    const { usedBytes, documents } = await this.documents.usage(caller.id);
    const quota = this.settings.storageQuotaBytes;
    return {
      usedBytes,
      documents,
      quotaBytes: quota === 0 ? null : quota,
      remainingBytes: quota === 0 ? null : Math.max(0, quota - usedBytes),
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
    const access = await this.access.loadReadable(caller, ability, id);
    if (!this.access.mayDelete(ability, access)) {
      throw forbidden('You may not delete this document.');
    }
    const { document } = access;
    if (document.status === 'processing') await this.documents.cancel(id);
    await this.producer.tryCancel(document);
    await this.documents.delete(id);
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
    const access = await this.access.loadReadable(caller, ability, id);
    if (!this.access.mayWrite(ability, access)) {
      throw forbidden('You may not reingest this document.');
    }
    const { document } = access;
    await this.producer.tryCancel(document);
    if (!(await this.documents.reingest(id, document.ingestionVersion))) {
      throw reingestInProgress();
    }
    const fresh = await this.documents.findByIdOrFail(id);
    await this.producer.tryEnqueue(fresh, this.context.snapshot().requestId ?? undefined);
    await this.audit.record({
      action: 'document.reingested',
      targetType: 'Document',
      targetId: id,
      metadata: { ingestionVersion: fresh.ingestionVersion },
    });
    return DocumentDto.from(fresh);
  }
}
