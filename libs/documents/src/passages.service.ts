import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@docent/auth';
import type { AppAbility } from '@docent/authorization';
import { DocumentAccess } from './access';
import { chunkNotFound } from './documents.errors';
import type { PassageDto } from './dto/passage.dto';
import { DocumentChunk } from './entities/document-chunk.entity';

/**
 * A chunk in its context (`GET /documents/:id/chunks/:chunkId`): the citation viewer opens a
 * citation or a search hit with the extracted text around it instead of the raw file. Whoever can
 * read the document (owner, sharee, a role allowed to) can read its chunks; anyone else gets the
 * document's 404, so ids cannot be probed. A chunk id from before a re-ingestion (chunks are
 * replaced) answers 404 `chunk_not_found`.
 */
@Injectable()
export class PassagesService {
  constructor(
    private readonly em: EntityManager,
    private readonly access: DocumentAccess,
  ) {}

  async around(
    caller: AuthUser,
    ability: AppAbility,
    documentId: string,
    chunkId: string,
    around: number,
  ): Promise<PassageDto> {
    const { document } = await this.access.loadReadable(caller, ability, documentId);
    const cited = await this.em.findOne(
      DocumentChunk,
      { id: chunkId, document: documentId },
      { fields: ['id', 'chunkIndex'] },
    );
    if (!cited) throw chunkNotFound();
    // one row either side beyond what is shown: the ids to move back and on by one
    const reach = Math.max(around, 1);
    const rows = await this.em.find(
      DocumentChunk,
      {
        document: documentId,
        chunkIndex: { $gte: cited.chunkIndex - reach, $lte: cited.chunkIndex + reach },
      },
      { fields: ['id', 'chunkIndex', 'page', 'content'], orderBy: { chunkIndex: 'asc' } },
    );
    const at = (index: number) => rows.find((row) => row.chunkIndex === index)?.id ?? null;
    return {
      documentId: document.id,
      filename: document.filename,
      chunkCount: document.chunkCount ?? 0,
      chunks: rows
        .filter((row) => Math.abs(row.chunkIndex - cited.chunkIndex) <= around)
        .map((row) => ({
          id: row.id,
          index: row.chunkIndex,
          page: row.page,
          content: row.content,
          cited: row.id === cited.id,
        })),
      previousChunkId: at(cited.chunkIndex - 1),
      nextChunkId: at(cited.chunkIndex + 1),
    };
  }
}
