import { EntityManager } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditEvent } from '@docent/audit';
import { Document, StorageDeletion } from '@docent/documents';
import { uploadAccepted, waitForStatus } from './support/documents';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';

/** How long the worker may take to remove the files of a deletion (measured: well under 1 s). */
const REMOVAL_BOUND_MS = 10_000;

/**
 * Issue 12 #11: deleting a user or a document removes its stored (encrypted) files too, in the
 * worker, retried until done, audited. Real api, worker, PostgreSQL, Redis and storage folder.
 */
describe('removal of the files of deleted documents (worker, outbox, retries)', () => {
  let stack: Stack;
  let admin: SignedUp;

  beforeAll(async () => {
    stack = await startStack({}, { worker: true });
    admin = await signUp(stack, { role: 'admin', prefix: 'rmadmin' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const em = () => stack.api.get(EntityManager).fork();
  const pathOf = (key: string) => join(stack.config.storage.dir, ...key.split('/'));

  /** Uploads text files and waits until ingestion has left them alone (completed). */
  async function uploadTexts(owner: SignedUp, count: number): Promise<Document[]> {
    const files = Array.from({ length: count }, (_, index) => ({
      name: `note-${index}.txt`,
      content: `File ${index} of ${owner.email}: ${randomBytes(16).toString('hex')}\n`.repeat(20),
      contentType: 'text/plain',
    }));
    const ids = (await uploadAccepted(stack.http, owner, files)).accepted.map((d) => d.id);
    await waitForStatus(stack, ids, 'completed', 30_000);
    const documents = await em().find(Document, { id: ids });
    for (const document of documents) expect(existsSync(pathOf(document.storageKey))).toBe(true);
    return documents;
  }

  const removalAudits = (documentIds: string[]) =>
    em().find(
      AuditEvent,
      { action: 'document.file_removed', targetId: documentIds },
      { orderBy: { occurredAt: 'asc' } },
    );

  it('deleting a user removes both of their files from the storage folder, audited', async () => {
    const member = await signUp(stack, { prefix: 'rmuser' });
    const documents = await uploadTexts(member, 2);
    const ids = documents.map((d) => d.id);

    await stack.http
      .delete(`/api/v1/admin/users/${member.id}`)
      .set(bearer(admin.token))
      .expect(204);
    const took = await waitFor(
      async () => documents.every((d) => !existsSync(pathOf(d.storageKey))),
      REMOVAL_BOUND_MS,
      20,
    );
    process.stdout.write(`user deletion → both files removed in ${took} ms\n`);

    expect(await em().count(Document, { id: ids })).toBe(0);
    await waitFor(async () => (await em().count(StorageDeletion, { documentId: ids })) === 0, 5000);
    const audits = await removalAudits(ids);
    expect(audits.map((a) => [a.targetId, a.actorId, a.outcome]).sort()).toEqual(
      ids.map((id) => [id, null, 'success']).sort(),
    );
    for (const audit of audits) {
      const document = documents.find((d) => d.id === audit.targetId)!;
      expect(audit.metadata).toEqual({
        storageKey: document.storageKey,
        ownerId: member.id,
        attempts: 1,
      });
    }
  }, 60_000);

  it('deleting a document removes its file through the worker, audited', async () => {
    const member = await signUp(stack, { prefix: 'rmdoc' });
    const [document, kept] = await uploadTexts(member, 2);
    await stack.http
      .delete(`/api/v1/documents/${document.id}`)
      .set(bearer(member.token))
      .expect(204);
    const took = await waitFor(
      async () => !existsSync(pathOf(document.storageKey)),
      REMOVAL_BOUND_MS,
      20,
    );
    process.stdout.write(`document deletion → file removed in ${took} ms\n`);
    await waitFor(async () => (await removalAudits([document.id])).length === 1, 5000);
    // only that file
    expect(existsSync(pathOf(kept.storageKey))).toBe(true);
    expect(await removalAudits([kept.id])).toEqual([]);
  }, 60_000);

  it('retries a removal the storage refuses until it works, then audits it once', async () => {
    const member = await signUp(stack, { prefix: 'rmretry' });
    const [document] = await uploadTexts(member, 1);
    const path = pathOf(document.storageKey);
    const aside = `${path}-aside`;
    // a directory where the file should be: unlink fails (EISDIR) even for root
    await rename(path, aside);
    await mkdir(path);
    await writeFile(join(path, 'occupied'), 'x');

    await stack.http
      .delete(`/api/v1/documents/${document.id}`)
      .set(bearer(member.token))
      .expect(204);
    const row = () => em().findOne(StorageDeletion, { storageKey: document.storageKey });
    // the first attempt fails at once, the second after the backoff: retried, not dropped
    await waitFor(async () => ((await row())?.attempts ?? 0) >= 2, 20_000);
    const failing = (await row())!;
    expect(failing.lastError).toMatch(/EISDIR/);
    expect(failing.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
    expect(await removalAudits([document.id])).toEqual([]);

    // the storage works again, with the real file in place
    await rm(path, { recursive: true });
    await rename(aside, path);
    await waitFor(async () => !existsSync(path), 30_000);
    await waitFor(async () => (await row()) === null, 5000);
    const audits = await removalAudits([document.id]);
    expect(audits).toHaveLength(1);
    expect(audits[0].metadata).toMatchObject({ attempts: 3 });
  }, 90_000);

  it('covers deletions made by any path (the trigger), which the sweep drains', async () => {
    const member = await signUp(stack, { prefix: 'rmsql' });
    const [rolledBack, deleted] = await uploadTexts(member, 2);
    const connection = em().getConnection();

    // a deletion that rolls back queues nothing
    const rollback = em().transactional(async (tx) => {
      expect(
        await tx.execute(`delete from documents where id = ?`, [rolledBack.id], 'run'),
      ).toEqual(expect.objectContaining({ affectedRows: 1 }));
      throw new Error('rollback');
    });
    await expect(rollback).rejects.toThrow('rollback');
    expect(await em().count(Document, { id: rolledBack.id })).toBe(1);
    expect(await em().findOne(StorageDeletion, { storageKey: rolledBack.storageKey })).toBeNull();

    // a deletion no api code sees (no hint): the outbox holds it until the sweep's job runs
    await connection.execute(`delete from documents where id = ?`, [deleted.id]);
    expect(await em().findOne(StorageDeletion, { storageKey: deleted.storageKey })).toMatchObject({
      documentId: deleted.id,
      ownerId: member.id,
      attempts: 0,
    });
    const maintenance = stack.worker!.get<Queue>(getQueueToken('maintenance'), { strict: false });
    const repeatable = await maintenance.getRepeatableJobs();
    expect(repeatable).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'documents.remove-files', every: 60_000 }),
      ]),
    );
    // what the repeatable job runs every minute
    await maintenance.add('documents.remove-files', { task: 'documents.remove-files' });
    await waitFor(async () => !existsSync(pathOf(deleted.storageKey)), REMOVAL_BOUND_MS);
    expect(existsSync(pathOf(rolledBack.storageKey))).toBe(true);
    await waitFor(async () => (await removalAudits([deleted.id])).length === 1, 5000);
  }, 60_000);
});
