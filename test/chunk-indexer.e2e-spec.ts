import { type MikroORM, RequestContext } from '@mikro-orm/core';
import { type EntityManager } from '@mikro-orm/postgresql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { User } from '@docent/auth';
import {
  CHUNK_INSERT_ROWS,
  ChunkIndexer,
  chunkPages,
  Document,
  DocumentChunk,
  extractText,
} from '@docent/documents';
import { openOrm } from '@docent/database';
import { ENTITIES } from '@docent/schema';
import { uuidv7 } from '@docent/common';
import { testConfig } from './support/config';
import { CORPUS_DIR as CORPUS } from './support/shared';

/** The index step against the real database: replace-all in one transaction, GIN-searchable. */
describe('ChunkIndexer', () => {
  let orm: MikroORM;
  let indexer: ChunkIndexer;
  let documentId: string;

  beforeAll(async () => {
    orm = await openOrm(testConfig().database, ENTITIES);
    indexer = new ChunkIndexer(orm.em as EntityManager);
    const em = orm.em.fork();
    const role = await em
      .getConnection()
      .execute<{ id: string }[]>(`select id from roles where name = 'member'`);
    const owner = em.create(User, {
      email: `indexer-${uuidv7()}@docent.test`,
      displayName: 'Indexer',
      passwordHash: 'not-a-real-hash',
      role: role[0].id,
    });
    const document = em.create(Document, {
      owner,
      batchId: uuidv7(),
      filename: 'single-paragraph.docx',
      kind: 'docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      sizeBytes: '1',
      sha256: uuidv7(),
      storageKey: `documents/${uuidv7()}`,
    });
    await em.flush();
    documentId = document.id;
  });

  afterAll(async () => {
    await orm?.close(true);
  });

  const replace = (chunks: Parameters<ChunkIndexer['replace']>[1]) =>
    RequestContext.create(orm.em, () => indexer.replace(documentId, chunks));

  const search = async (query: string) =>
    orm.em
      .fork()
      .getConnection()
      .execute<{ content: string; page: number }[]>(
        `select content, page from document_chunks
          where document_id = ? and tsv @@ websearch_to_tsquery('english', ?)`,
        [documentId, query],
      );

  it('indexes the extracted chunks so full-text search finds them', async () => {
    const extracted = await extractText(
      readFileSync(join(CORPUS, 'single-paragraph.docx')),
      'docx',
    );
    const chunks = await chunkPages(extracted.pages, { size: 200, overlap: 20 });
    expect(await replace(chunks)).toBe(chunks.length);
    const found = await search('imported air');
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].content).toContain('Walking on imported air');
    const document = await orm.em.fork().findOneOrFail(Document, documentId);
    expect(document.chunkCount).toBe(chunks.length);
  });

  it('replaces every chunk at once: a second run leaves no duplicates', async () => {
    await replace([
      { index: 0, page: 1, content: 'alpha beta' },
      { index: 1, page: 2, content: 'gamma delta' },
    ]);
    await replace([{ index: 0, page: 3, content: 'epsilon zeta' }]);
    const rows = await orm.em.fork().find(DocumentChunk, { document: documentId });
    expect(rows.map((r) => [r.chunkIndex, r.page, r.content])).toEqual([[0, 3, 'epsilon zeta']]);
    expect(await search('imported air')).toEqual([]);
  });

  it('keeps the previous chunks when a run fails half-way', async () => {
    await replace([{ index: 0, page: 1, content: 'stable content stays' }]);
    const broken = [
      { index: 0, page: 1, content: 'new one' },
      { index: 0, page: 2, content: 'same index twice violates the unique key' },
    ];
    await expect(replace(broken)).rejects.toThrow();
    const rows = await orm.em.fork().find(DocumentChunk, { document: documentId });
    expect(rows.map((r) => r.content)).toEqual(['stable content stays']);
    expect((await orm.em.fork().findOneOrFail(Document, documentId)).chunkCount).toBe(1);
  });

  /** `count` chunks in batches of `batch`; throws instead of the batch at `failAt`. */
  async function* batches(count: number, batch: number, failAt?: number) {
    for (let start = 0, n = 0; start < count; start += batch, n += 1) {
      if (n === failAt) throw new Error('the extraction process went away');
      yield Array.from({ length: Math.min(batch, count - start) }, (_, i) => ({
        index: start + i,
        page: 1 + Math.floor((start + i) / 100),
        content: `streamed chunk ${start + i} lantern`,
      }));
    }
  }

  const stats = async () =>
    (
      await orm.em
        .fork()
        .getConnection()
        .execute<{ chunks: string }[]>(
          'select chunks from document_chunk_stats where document_id = ?',
          [documentId],
        )
    ).map((row: { chunks: string }) => Number(row.chunks));

  it('writes streamed batches (spanning several INSERTs) as one complete, consistent set', async () => {
    const count = 2 * CHUNK_INSERT_ROWS + 123;
    // batches larger and smaller than one INSERT statement
    expect(await replace(batches(count, CHUNK_INSERT_ROWS + 77))).toBe(count);
    const rows = await orm.em
      .fork()
      .find(DocumentChunk, { document: documentId }, { orderBy: { chunkIndex: 'asc' } });
    expect(rows.map((r) => r.chunkIndex)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(rows.at(-1)).toMatchObject({ page: 1 + Math.floor((count - 1) / 100) });
    expect((await orm.em.fork().findOneOrFail(Document, documentId)).chunkCount).toBe(count);
    expect(await stats()).toEqual([count]);
    expect((await search('lantern')).length).toBe(count);
  });

  it('a stream failing after some batches were written leaves the previous set untouched', async () => {
    await replace([{ index: 0, page: 1, content: 'the previous set' }]);
    await expect(replace(batches(3 * CHUNK_INSERT_ROWS, CHUNK_INSERT_ROWS, 2))).rejects.toThrow(
      'the extraction process went away',
    );
    const rows = await orm.em.fork().find(DocumentChunk, { document: documentId });
    expect(rows.map((r) => r.content)).toEqual(['the previous set']);
    expect((await orm.em.fork().findOneOrFail(Document, documentId)).chunkCount).toBe(1);
    expect(await stats()).toEqual([1]);
  });

  it('drops NUL characters PostgreSQL cannot store', async () => {
    await replace([{ index: 0, page: 1, content: 'nul\u0000byte' }]);
    const rows = await orm.em.fork().find(DocumentChunk, { document: documentId });
    expect(rows[0].content).toBe('nulbyte');
  });
});
