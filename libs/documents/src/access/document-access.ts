import { subject } from '@casl/ability';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import { type AppAbility, accessibleWhere } from '@docent/authorization';
import { DocumentShareRepository } from '../document-share.repository';
import { DocumentRepository } from '../document.repository';
import { documentNotFound } from '../documents.errors';
import type { Document } from '../entities/document.entity';
import type { DocumentShare } from '../entities/document-share.entity';

export interface Access {
  document: Document;
  /** The caller's share of the document, when the ability alone does not let them read it. */
  share: DocumentShare | null;
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

/**
 * The one document access rule: a caller reads a document when their ability's rules allow it
 * or it is shared with them; writing, deleting and sharing go by the ability (writing also by a
 * `write` share). Lists, search, chat retrieval and chat's document check all ask here.
 */
@Injectable()
export class DocumentAccess {
  constructor(
    private readonly documents: DocumentRepository,
    private readonly shares: DocumentShareRepository,
  ) {}

  /** The documents the caller may read, as a MikroORM filter on `Document` (decided in SQL). */
  readableWhere(caller: AuthUser, ability: AppAbility): object {
    const visible: object[] = [];
    const readable = accessibleWhere(ability, 'read', 'Document');
    // an unconditional rule (admins read every document) is `{}`, which MikroORM would drop from
    // the `$or` below, leaving only the shares: say "every document" explicitly
    if (readable && Object.keys(readable).length === 0) return { id: { $ne: null } };
    if (readable) visible.push(toEntityWhere(readable) as object);
    visible.push({ id: { $in: this.shares.sharedWithQuery(caller.id) } });
    return { $or: visible };
  }

  /**
   * What `readableWhere` depends on, as a string: the caller and their ability's rules for
   * reading documents. Equal keys give the same condition (it is evaluated at query time, so
   * shares and documents added or removed since count either way).
   */
  readableKey(caller: AuthUser, ability: AppAbility): string {
    return `${caller.id}\n${JSON.stringify(accessibleWhere(ability, 'read', 'Document') ?? null)}`;
  }

  /** 404 unless the caller's ability or a share lets them read the document. */
  async loadReadable(caller: AuthUser, ability: AppAbility, id: string): Promise<Access> {
    const document = await this.documents.findById(id);
    if (!document) throw documentNotFound();
    const share = await this.shares.find(id, caller.id);
    if (ability.can('read', asSubject(document)) || share) return { document, share };
    throw documentNotFound();
  }

  /** The ids among `ids` that the caller may read (missing ones are not). */
  async readableAmong(
    caller: AuthUser,
    ability: AppAbility,
    ids: readonly string[],
  ): Promise<Set<string>> {
    const [documents, shared] = await Promise.all([
      this.documents.findByIds(ids),
      this.shares.sharedIds(ids, caller.id),
    ]);
    return new Set(
      documents
        .filter((document) => shared.has(document.id) || ability.can('read', asSubject(document)))
        .map((document) => document.id),
    );
  }

  mayDelete(ability: AppAbility, { document }: Access): boolean {
    return ability.can('delete', asSubject(document));
  }

  /** By the ability, or a `write` share. */
  mayWrite(ability: AppAbility, { document, share }: Access): boolean {
    return ability.can('update', asSubject(document)) || share?.permission === 'write';
  }

  mayShare(ability: AppAbility, { document }: Access): boolean {
    return ability.can('share', asSubject(document));
  }
}
