import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { DocumentShare, type SharePermission } from './entities/document-share.entity';

/** Every read and write of `document_shares`. */
@Injectable()
export class DocumentShareRepository {
  constructor(private readonly em: EntityManager) {}

  /** The ids among `documentIds` shared with the user. */
  async sharedIds(documentIds: readonly string[], userId: string): Promise<Set<string>> {
    const shares = await this.em
      .fork()
      .find(DocumentShare, { document: { $in: [...documentIds] }, user: userId });
    return new Set(shares.map((share) => share.document.id));
  }

  /** `select document_id` of the documents shared with the user, as a native subquery. */
  sharedWithQuery(userId: string) {
    return this.em
      .createQueryBuilder(DocumentShare, 's')
      .select('s.document')
      .where({ user: userId })
      .getNativeQuery();
  }

  list(documentId: string): Promise<DocumentShare[]> {
    return this.em
      .fork()
      .find(
        DocumentShare,
        { document: documentId },
        { populate: ['user'], orderBy: { createdAt: 'asc', user: { id: 'asc' } } },
      );
  }

  find(documentId: string, userId: string, populateUser = false) {
    return this.em
      .fork()
      .findOne(
        DocumentShare,
        { document: documentId, user: userId },
        populateUser ? { populate: ['user'] } : {},
      );
  }

  /** Number of shares removed (0 or 1). */
  delete(documentId: string, userId: string): Promise<number> {
    return this.em.fork().nativeDelete(DocumentShare, { document: documentId, user: userId });
  }

  /** Inserts the share, or changes the permission of the existing one. */
  async upsert(
    documentId: string,
    userId: string,
    permission: SharePermission,
  ): Promise<{ created: boolean; before?: SharePermission }> {
    const em = this.em.fork();
    for (let attempt = 0; ; attempt += 1) {
      const existing = await this.find(documentId, userId);
      if (existing) {
        await em.nativeUpdate(
          DocumentShare,
          { document: documentId, user: userId },
          { permission },
        );
        return { created: false, before: existing.permission };
      }
      try {
        await em.insert(DocumentShare, {
          document: documentId,
          user: userId,
          permission,
          createdAt: new Date(),
        });
        return { created: true };
      } catch (error) {
        // shared at the same time by another request: update that share instead
        if (error instanceof UniqueConstraintViolationException && attempt === 0) continue;
        throw error;
      }
    }
  }
}
