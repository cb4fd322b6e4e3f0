import { Readable } from 'node:stream';
import {
  fileTooLarge,
  filesFieldOnly,
  malformedMultipart,
  multipartRequired,
  tooManyFiles,
  tooManyParts,
} from '../documents.errors';

/** One part of a multipart upload, as @fastify/multipart yields it (only what we use). */
export type UploadPart =
  | {
      type: 'file';
      fieldname: string;
      filename: string;
      file: Readable & { truncated?: boolean };
    }
  | { type: 'field'; fieldname: string };

/**
 * The file again as a stream: the head already read for type detection, then the rest of the
 * multipart stream. Not `Readable.from(async generator)`: on Node 24 destroying that stream
 * awaits the generator's `return()`, which waits for the client's next chunk, so a file cut at the
 * quota would stay on disk (and the request hang) until the client sent more. Destroying this one
 * settles at once; the caller drains what is left of the part.
 */
export function restOfFile(
  head: Buffer,
  ended: boolean,
  iterator: AsyncIterator<Buffer>,
): Readable {
  let headSent = false;
  return new Readable({
    read() {
      if (!headSent) {
        headSent = true;
        this.push(head);
        if (ended) this.push(null);
        return;
      }
      iterator.next().then(
        (next) => this.push(next.done ? null : next.value),
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
}

/** Reads and drops the rest of a part, so the parser moves on to the next one. */
export async function drainIterator(iterator: AsyncIterator<Buffer>): Promise<void> {
  for (;;) {
    if ((await iterator.next()).done) return;
  }
}

export async function drain(file: Readable): Promise<void> {
  await drainIterator(file[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
}

/** Codes @fastify/multipart gives its limit errors. */
function multipartErrorCode(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** The parser's and Fastify's errors as the problem details clients get; others unchanged. */
export function translateMultipartError(
  error: unknown,
  limits: { uploadMaxBytes: number; uploadMaxFiles: number },
): unknown {
  switch (multipartErrorCode(error)) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return fileTooLarge(limits.uploadMaxBytes);
    case 'FST_FILES_LIMIT':
      return tooManyFiles(limits.uploadMaxFiles);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return tooManyParts();
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return multipartRequired();
    case 'FST_PROTO_VIOLATION':
      return filesFieldOnly(error);
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return malformedMultipart('The upload was cut short.', error);
    default:
      // busboy's parse errors are plain Errors: a missing boundary, a broken part header
      if (
        error instanceof Error &&
        /Boundary not found|Malformed part header/i.test(error.message)
      ) {
        return malformedMultipart('The multipart body is malformed.', error);
      }
      if (error instanceof Error && /terminated early|Unexpected end/i.test(error.message)) {
        return malformedMultipart('The upload was cut short.', error);
      }
      return error;
  }
}
