import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type request from 'supertest';
import { ChunkIndexer, Document, type DocumentStatus } from '@docent/documents';
import { waitFor } from './http';
import { bearer, type Stack } from './stack';

/** The shared test corpus (PDF, DOCX, text files with known content), next to the repository. */
export const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
export const corpus = (name: string): Promise<Buffer> => readFile(join(CORPUS, name));

type Http = ReturnType<typeof request>;

/** One part of an upload: `contentType` is what the client claims (the server sniffs anyway). */
export interface UploadFile {
  name: string;
  content: Buffer | string;
  contentType?: string;
}

export interface AcceptedDocument {
  id: string;
  filename: string;
  [field: string]: unknown;
}

/**
 * `POST /documents` with each file as a `files` part, as the web client sends it: the request,
 * for the test to assert the answer of (refusals included).
 */
export function uploadRequest(
  http: Http,
  caller: { token: string },
  files: UploadFile[],
): request.Test {
  let req = http.post('/api/v1/documents').set(bearer(caller.token));
  for (const file of files) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    req = req.attach('files', content, {
      filename: file.name,
      contentType: file.contentType ?? 'application/octet-stream',
    });
  }
  return req;
}

/** Uploads files that must all be accepted (202): the batch id and the accepted documents. */
export async function uploadAccepted(
  http: Http,
  caller: { token: string },
  files: UploadFile[],
): Promise<{ batchId: string; accepted: AcceptedDocument[] }> {
  const res = await uploadRequest(http, caller, files).expect(202);
  const body = res.body as { batchId: string; accepted: AcceptedDocument[] };
  expect(body.accepted).toHaveLength(files.length);
  return body;
}

/** Uploads one file (by default a corpus file of that name) and returns its document id. */
export async function uploadOne(
  http: Http,
  caller: { token: string },
  name = 'minimal-document.pdf',
  content?: Buffer | string,
  contentType?: string,
): Promise<string> {
  const file = { name, content: content ?? (await corpus(name)), contentType };
  const { accepted } = await uploadAccepted(http, caller, [file]);
  return accepted[0].id;
}

/**
 * The test document factory: a corpus file uploaded through the api, whose chunks are then
 * replaced by `pages` (one chunk a page) and whose status is set, without waiting for (or
 * depending on) an ingestion run. For tests of what reads chunks: search, chat, retrieval.
 */
export async function indexedDocument(
  stack: Stack,
  caller: { token: string },
  pages: string[],
  options: { name?: string; status?: 'completed' | 'processing' } = {},
): Promise<string> {
  const id = await uploadOne(stack.http, caller, options.name);
  const em = stack.api.get(EntityManager);
  await RequestContext.create(em, () =>
    stack.api.get(ChunkIndexer).replace(
      id,
      pages.map((content, index) => ({ index, page: index + 1, content })),
    ),
  );
  await em
    .fork()
    .nativeUpdate(Document, { id }, { status: options.status ?? 'completed', stage: 'done' });
  return id;
}

/** Waits until every one of the documents has the status (ingestion runs in the worker). */
export async function waitForStatus(
  stack: Stack,
  ids: string[],
  status: DocumentStatus = 'completed',
  timeoutMs = 60_000,
): Promise<void> {
  const em = stack.api.get(EntityManager);
  await waitFor(
    async () => (await em.fork().count(Document, { id: { $in: ids }, status })) === ids.length,
    timeoutMs,
  );
}
