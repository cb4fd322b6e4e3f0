import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { Document } from '../entities/document.entity';
import type { DocumentsService } from '../http/documents.service';
import type { SqlFragment } from './bm25-query';

/**
 * `select d.id` of every completed document the caller can read right now (their ability's
 * rules or a share, decided in SQL at query time): the whole corpus of a search or a chat
 * question, candidates and statistics alike. A request limited to some documents still ranks
 * with this set's statistics (`RankedChunksRequest.documentIds`).
 */
export function readableDocuments(
  em: EntityManager,
  documents: DocumentsService,
  caller: AuthUser,
  ability: AppAbility,
): SqlFragment {
  return em
    .createQueryBuilder(Document, 'd')
    .select('d.id')
    .where({ $and: [documents.readableWhere(em, caller, ability), { status: 'completed' }] })
    .toQuery();
}
