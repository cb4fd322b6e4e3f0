import { AppError, NotFoundError } from '@docent/common';
import type { UploadRejectionDto } from './dto/document-response.dto';

/**
 * The documents library's error catalogue: every code its services answer with, as constants or
 * factories. Extraction failures have their own (`ingestion/errors.ts`, loaded by extraction
 * threads that must not load this module's dependencies).
 */
export const DOCUMENT_ERROR_CODES = {
  fileTooLarge: 'file_too_large',
  tooManyFiles: 'too_many_files',
  tooManyParts: 'too_many_parts',
  unexpectedField: 'unexpected_field',
  noFiles: 'no_files',
  noFileAccepted: 'no_file_accepted',
  multipartRequired: 'multipart_required',
  malformedMultipart: 'malformed_multipart',
  duplicate: 'duplicate',
  quotaExceeded: 'quota_exceeded',
  contentNotFound: 'document_content_not_found',
  reingestInProgress: 'reingest_in_progress',
  forbidden: 'forbidden',
  validationFailed: 'validation_failed',
  shareTargetNotFound: 'share_target_not_found',
  cannotShareWithOwner: 'cannot_share_with_owner',
  permissionNotAllowedForRole: 'permission_not_allowed_for_role',
  shareRateLimited: 'share_rate_limited',
  /** A transient failure used up every attempt (stored on the document, not thrown to a client). */
  ingestionFailed: 'ingestion_failed',
} as const;

const C = DOCUMENT_ERROR_CODES;

/** The code a document gets when a transient failure used up every attempt. */
export const INGESTION_FAILED_CODE = C.ingestionFailed;
export const INGESTION_FAILED_MESSAGE =
  'The document could not be processed after several attempts. Try again later (reingest).';

export const documentNotFound = () => new NotFoundError('Document');
export const shareNotFound = () => new NotFoundError('Share');
/** Not a chunk of this document (or one replaced by a re-ingestion since it was cited). */
export const chunkNotFound = () => new NotFoundError('Chunk');

export const fileTooLarge = (maxBytes: number) =>
  new AppError(
    'too_large',
    C.fileTooLarge,
    `A file is larger than the limit of ${maxBytes} bytes; nothing was kept.`,
  );

export const tooManyFiles = (maxFiles: number) =>
  new AppError(
    'bad_request',
    C.tooManyFiles,
    `At most ${maxFiles} files may be uploaded at once; nothing was kept.`,
  );

export const tooManyParts = () =>
  new AppError(
    'bad_request',
    C.tooManyParts,
    'The upload has too many form fields; send only "files".',
  );

export const unexpectedField = (fieldname: string) =>
  new AppError(
    'bad_request',
    C.unexpectedField,
    `Files must be sent in the "files" field, not "${fieldname}".`,
    { errors: [{ field: 'files', message: 'files must be sent in the "files" field' }] },
  );

/** The multipart parser saw a file part where it allows none. */
export const filesFieldOnly = (cause: unknown) =>
  new AppError('bad_request', C.unexpectedField, 'Send files in the "files" field.', { cause });

export const noFiles = () =>
  new AppError('bad_request', C.noFiles, 'The request contains no files.', {
    errors: [{ field: 'files', message: 'at least one file is required' }],
  });

/**
 * Nothing of the upload was kept: 422 problem details that still carry the upload result
 * (`batchId`, `accepted`, `rejected`) as extension members, so clients read it either way.
 */
export const noFileAccepted = (batchId: string, rejected: UploadRejectionDto[]) =>
  new AppError(
    'unprocessable',
    C.noFileAccepted,
    'No file of the upload was accepted; `rejected` gives the reason for each.',
    { extensions: { batchId, accepted: [], rejected } },
  );

export const multipartRequired = () =>
  new AppError(
    'unsupported_media_type',
    C.multipartRequired,
    'Upload files as multipart/form-data.',
  );

export const malformedMultipart = (message: string, cause: unknown) =>
  new AppError('bad_request', C.malformedMultipart, message, { cause });

export const duplicateUploadConflict = (cause: unknown) =>
  new AppError(
    'conflict',
    C.duplicate,
    'A document with the same content was uploaded at the same time; nothing was kept.',
    { cause },
  );

export const contentNotFound = () =>
  new AppError('not_found', C.contentNotFound, 'The file is missing.');

export const reingestInProgress = () =>
  new AppError(
    'conflict',
    C.reingestInProgress,
    'The document was changed at the same time; try again.',
  );

export const forbidden = (message: string) => new AppError('forbidden', C.forbidden, message);

export const shareTargetRequired = () =>
  new AppError('bad_request', C.validationFailed, 'Give exactly one of userId and email.', {
    errors: [{ field: 'userId', message: 'exactly one of userId and email is required' }],
  });

export const shareTargetNotFound = () =>
  new AppError('unprocessable', C.shareTargetNotFound, 'No user matches the given id.');

export const cannotShareWithOwner = () =>
  new AppError(
    'unprocessable',
    C.cannotShareWithOwner,
    'A document cannot be shared with its owner or with yourself.',
  );

export const permissionNotAllowedForRole = () =>
  new AppError(
    'unprocessable',
    C.permissionNotAllowedForRole,
    'This user’s role may only receive read access.',
  );

export const shareRateLimited = (perHour: number, retryAfterSeconds: number) =>
  new AppError(
    'rate_limited',
    C.shareRateLimited,
    `At most ${perHour} share requests per hour; try again later.`,
    { retryAfterSeconds },
  );

/** An upload rejection (per file, in the 202 answer): the file would exceed the quota. */
export function quotaRejection(filename: string, quota: number, room: number): UploadRejectionDto {
  return {
    filename,
    code: C.quotaExceeded,
    message:
      `Storing this file would exceed your storage quota of ${quota} bytes ` +
      `(${Math.max(0, room)} bytes left); delete documents to make room.`,
  };
}

/** An upload rejection: the caller already has a document with this content. */
export function duplicateRejection(filename: string, existingId: string): UploadRejectionDto {
  return {
    filename,
    code: C.duplicate,
    message: 'You already uploaded a document with the same content.',
    existingId,
  };
}
