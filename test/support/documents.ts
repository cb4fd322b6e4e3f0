import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type request from 'supertest';
import { uuidv7 } from '@docent/common';
import {
  ChunkIndexer,
  Document,
  type DocumentStatus,
  Embeddings,
  storeChunkVectors,
} from '@docent/documents';
import { waitFor } from './http';
import { bearer, type Stack } from './stack';
import { CORPUS_DIR as CORPUS } from './shared';

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
 * The test document factory: a document of `caller` whose chunks are exactly `pages` (one chunk
 * each, on page 1, 2, … or all on page 1), with its status set, without an ingestion run. For
 * tests of what reads chunks (search, chat, retrieval). By default the corpus file `name` is
 * uploaded through the api first (an upload like a user's: usage counts it, the file is stored);
 * `uploaded: false` writes the row straight to the database instead, so no ingestion job exists
 * that could replace the chunks later.
 */
export async function indexedDocument(
  stack: Stack,
  caller: { id: string; token: string },
  pages: string[],
  options: {
    name?: string;
    status?: 'completed' | 'processing';
    onePage?: boolean;
    uploaded?: boolean;
  } = {},
): Promise<string> {
  const name = options.name ?? 'minimal-document.pdf';
  const em = stack.api.get(EntityManager);
  const id =
    options.uploaded === false
      ? await insertDocument(stack, caller, name, pages)
      : await uploadOne(stack.http, caller, name);
  await RequestContext.create(em, () =>
    stack.api.get(ChunkIndexer).replace(
      id,
      pages.map((content, index) => ({ index, page: options.onePage ? 1 : index + 1, content })),
    ),
  );
  // and their vectors, as an ingestion run leaves them (with embeddings on)
  const embeddings = stack.api.get(Embeddings);
  if (embeddings.enabled) {
    const chunks = await em
      .fork()
      .execute<{ id: string; content: string }[]>(
        'select id, content from document_chunks where document_id = ? order by chunk_index',
        [id],
      );
    const vectors = await embeddings.chunks(chunks.map((chunk) => chunk.content));
    const stored = await storeChunkVectors(
      em.fork(),
      chunks.map((chunk) => chunk.id),
      vectors,
    );
    if (stored !== chunks.length) throw new Error(`${stored} of ${chunks.length} vectors stored`);
  }
  await em.fork().nativeUpdate(
    Document,
    { id },
    {
      status: options.status ?? 'completed',
      stage: 'done',
      ...(options.uploaded === false ? { progress: 100 } : {}),
    },
  );
  return id;
}

const KINDS: Record<string, { kind: string; mimeType: string }> = {
  pdf: { kind: 'pdf', mimeType: 'application/pdf' },
  docx: {
    kind: 'docx',
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  },
  md: { kind: 'md', mimeType: 'text/markdown' },
  txt: { kind: 'txt', mimeType: 'text/plain' },
};

/** A document row as an ingestion run has it while indexing, with no stored file behind it. */
async function insertDocument(
  stack: Stack,
  caller: { id: string },
  filename: string,
  pages: string[],
): Promise<string> {
  const extension = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  const fork = stack.api.get(EntityManager).fork();
  const document = fork.create(Document, {
    id: uuidv7(),
    owner: caller.id,
    batchId: uuidv7(),
    filename,
    ...(KINDS[extension] ?? KINDS.txt),
    sizeBytes: String(pages.join('\n\n').length),
    sha256: randomBytes(32).toString('hex'),
    storageKey: `documents/${caller.id}/${uuidv7()}`,
    // processing until its chunks and their vectors are in (indexedDocument sets the status), as
    // in an ingestion run: a worker's catch-up pass only takes chunks of completed documents
    status: 'processing',
    stage: 'indexing',
    progress: 80,
  });
  await fork.flush();
  return document.id;
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
