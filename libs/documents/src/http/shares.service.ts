import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuditService } from '@docent/audit';
import { type AuthUser, User } from '@docent/auth';
import { AbilityFactory, type AppAbility } from '@docent/authorization';
import { AppError, DomainEventBus, NotFoundError } from '@docent/common';
import type { Document } from '../entities/document.entity';
import { DocumentShare, type SharePermission } from '../entities/document-share.entity';
import { asSubject, DocumentsService } from './documents.service';
import { type CreateShareDto, ShareDto, type ShareListDto } from './dto/share.dto';

export interface ShareOutcome {
  share: ShareDto;
  /** True when the share is new (201), false when an existing share was updated (200). */
  created: boolean;
}

/**
 * Shares of a document (SPEC §6): only callers whose ability lets them `share` the document
 * (its owner, an admin) manage them. Callers who cannot read the document get 404; those who can
 * read it but not share it get 403. Creating a share, or changing its permission, emits
 * `document.shared` on the DomainEventBus (re-sending the same permission does not).
 */
@Injectable()
export class SharesService {
  constructor(
    private readonly em: EntityManager,
    private readonly documents: DocumentsService,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditService,
    private readonly events: DomainEventBus,
  ) {}

  async list(caller: AuthUser, ability: AppAbility, documentId: string): Promise<ShareListDto> {
    const em = this.em.fork();
    await this.loadManageable(em, caller, ability, documentId);
    const shares = await em.find(
      DocumentShare,
      { document: documentId },
      { populate: ['user'], orderBy: { createdAt: 'asc', user: { id: 'asc' } } },
    );
    return { items: shares.map((share) => ShareDto.from(share)) };
  }

  async share(
    caller: AuthUser,
    ability: AppAbility,
    documentId: string,
    body: CreateShareDto,
  ): Promise<ShareOutcome> {
    if ((body.userId === undefined) === (body.email === undefined)) {
      throw new AppError(
        'bad_request',
        'validation_failed',
        'Give exactly one of userId and email.',
        {
          errors: [{ field: 'userId', message: 'exactly one of userId and email is required' }],
        },
      );
    }
    const em = this.em.fork();
    const document = await this.loadManageable(em, caller, ability, documentId);
    const target = await em.findOne(
      User,
      body.userId !== undefined ? { id: body.userId } : { email: body.email! },
      { populate: ['role'] },
    );
    if (!target) {
      throw new AppError(
        'unprocessable',
        'share_target_not_found',
        'No user matches the given id or e-mail.',
      );
    }
    if (target.id === document.owner.id || target.id === caller.id) {
      throw new AppError(
        'unprocessable',
        'cannot_share_with_owner',
        'A document cannot be shared with its owner or with yourself.',
      );
    }
    if (body.permission === 'write' && !(await this.mayWrite(target))) {
      throw new AppError(
        'unprocessable',
        'permission_not_allowed_for_role',
        'This user’s role may only receive read access.',
      );
    }

    const { created, before } = await this.upsert(em, documentId, target.id, body.permission);
    await this.audit.record({
      action: 'document.shared',
      targetType: 'Document',
      targetId: documentId,
      metadata: {
        userId: target.id,
        before: before ?? null,
        after: body.permission,
      },
    });
    if (before !== body.permission) {
      // a new share or a changed permission: the notifications library tells the sharee
      await this.events.emit('document.shared', {
        documentId,
        filename: document.filename,
        ownerId: document.owner.id,
        userId: target.id,
        permission: body.permission,
        sharedBy: { id: caller.id, displayName: caller.displayName ?? null, email: caller.email },
      });
    }
    const share = await em
      .fork()
      .findOneOrFail(
        DocumentShare,
        { document: documentId, user: target.id },
        { populate: ['user'] },
      );
    return { share: ShareDto.from(share), created };
  }

  async unshare(
    caller: AuthUser,
    ability: AppAbility,
    documentId: string,
    userId: string,
  ): Promise<void> {
    const em = this.em.fork();
    await this.loadManageable(em, caller, ability, documentId);
    const existing = await em.findOne(DocumentShare, { document: documentId, user: userId });
    if (!existing) throw new NotFoundError('Share');
    const removed = await em.nativeDelete(DocumentShare, { document: documentId, user: userId });
    if (removed === 0) throw new NotFoundError('Share');
    await this.audit.record({
      action: 'document.unshared',
      targetType: 'Document',
      targetId: documentId,
      metadata: { userId, before: existing.permission },
    });
  }

  /** Inserts the share, or changes the permission of the existing one. */
  private async upsert(
    em: EntityManager,
    documentId: string,
    userId: string,
    permission: SharePermission,
  ): Promise<{ created: boolean; before?: SharePermission }> {
    for (let attempt = 0; ; attempt += 1) {
      const existing = await em
        .fork()
        .findOne(DocumentShare, { document: documentId, user: userId });
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

  /** Whether the target's role may change documents at all (viewers only read). */
  private async mayWrite(target: User): Promise<boolean> {
    const ability = await this.abilities.forUser({ id: target.id, role: target.role.name });
    return ability.can('update', 'Document');
  }

  /** 404 when the caller cannot read the document, 403 when they can but may not share it. */
  private async loadManageable(
    em: EntityManager,
    caller: AuthUser,
    ability: AppAbility,
    documentId: string,
  ): Promise<Document> {
    const { document } = await this.documents.loadReadable(em, caller, ability, documentId);
    if (!ability.can('share', asSubject(document))) {
      throw new AppError(
        'forbidden',
        'forbidden',
        'Only the owner of the document or an admin may manage its shares.',
      );
    }
    return document;
  }
}
