import { fileTypeFromBuffer } from 'file-type';
import { hasHtmlMarkup, isHtmlDocument, skipWhitespace } from './html-markup';
import { type DocumentKind, MIME_BY_KIND } from './types';

export { hasHtmlMarkup, isHtmlDocument } from './html-markup';
export { sanitizeFilename } from './sanitize-filename';

export interface DetectedType {
  kind: DocumentKind;
  mime: string;
}

export type RejectionCode = 'unsupported_type' | 'type_mismatch' | 'empty_file';

export interface TypeRejection {
  code: RejectionCode;
  message: string;
}

export type DetectionResult = DetectedType | TypeRejection;

export interface DetectTypeOptions {
  /**
   * `head` is only the beginning of the file (default false: `head` is the whole file). Then a
   * multi-byte character cut at the end is tolerated and JSON is only sniffed, not parsed.
   */
  truncated?: boolean;
}

export function isRejection(result: DetectionResult): result is TypeRejection {
  return 'code' in result;
}

const KIND_BY_EXTENSION: Readonly<Record<string, DocumentKind>> = {
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  html: 'html',
  htm: 'html',
  csv: 'csv',
  json: 'json',
  pdf: 'pdf',
  docx: 'docx',
};

/** Binary formats are recognised by their magic bytes (file-type); everything else must be text. */
const BINARY_KIND_BY_FILE_TYPE: Readonly<Record<string, DocumentKind>> = {
  pdf: 'pdf',
  docx: 'docx',
};

/** file-type recognises some text formats; these may still be accepted as text. */
const TEXTUAL_FILE_TYPES = new Set(['xml', 'svg', 'html', 'txt', 'csv', 'json']);

/**
 * Bytes of a file that type detection looks at, at most: magic bytes, a docx's first ZIP entries,
 * the start of a text. Everything detection does is linear in this head (small scanners, no
 * backtracking patterns), so an upload can never make detection slow, however hostile.
 */
export const HEAD_BYTES = 4096;

/** The extension of a file name, lower-cased, without the dot ('' when there is none). */
export function extensionOf(filename: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/**
 * Decides the type of an upload from its content and requires it to agree with the extension.
 * `head` is the file (or its beginning, see `options.truncated`; give at least a few KB so a
 * docx can be told from any other ZIP). Only the first `HEAD_BYTES` are looked at.
 */
export async function detectType(
  head: Buffer,
  filename: string,
  options: DetectTypeOptions = {},
): Promise<DetectionResult> {
  if (head.length === 0) {
    return reject('empty_file', 'The file is empty.');
  }
  const extension = extensionOf(filename);
  const declared: DocumentKind | undefined = KIND_BY_EXTENSION[extension];
  if (!declared) {
    return reject(
      'unsupported_type',
      extension
        ? `Files of type .${extension} are not supported (allowed: ${allowedList()}).`
        : `The file name has no extension (allowed: ${allowedList()}).`,
    );
  }

  let truncated = options.truncated ?? false;
  if (head.length > HEAD_BYTES) {
    head = head.subarray(0, HEAD_BYTES);
    truncated = true;
  }

  const sniffed = await fileTypeFromBuffer(head);
  if (sniffed && !TEXTUAL_FILE_TYPES.has(sniffed.ext)) {
    const kind = BINARY_KIND_BY_FILE_TYPE[sniffed.ext];
    if (!kind) {
      return reject(
        'unsupported_type',
        `The content is ${describe(sniffed.ext)}, which is not supported (allowed: ${allowedList()}).`,
      );
    }
    if (kind !== declared) {
      return reject(
        'type_mismatch',
        `The content is a ${kind.toUpperCase()} file but the name ends in .${extension}.`,
      );
    }
    return detected(kind);
  }

  // Not a recognised binary format: it must be text.
  const text = decodeText(head, truncated);
  if (text === undefined) {
    return reject(
      'unsupported_type',
      `The content is neither UTF-8 text nor a supported binary format (allowed: ${allowedList()}).`,
    );
  }
  if (declared === 'pdf' || declared === 'docx') {
    return reject(
      'type_mismatch',
      `The name ends in .${extension} but the content is text, not a ${declared.toUpperCase()} file.`,
    );
  }
  if (text.trim() === '') {
    return reject('empty_file', 'The file contains only whitespace.');
  }
  if (declared !== 'html' && isHtmlDocument(text)) {
    return reject(
      'type_mismatch',
      `The content is an HTML document but the name ends in .${extension}.`,
    );
  }
  if (declared === 'json' && !looksLikeJson(text, truncated)) {
    return reject('type_mismatch', 'The name ends in .json but the content is not valid JSON.');
  }
  if (declared === 'html' && !hasHtmlMarkup(text)) {
    return reject('type_mismatch', 'The name ends in .html but the content has no HTML markup.');
  }
  return detected(declared);
}

/**
 * Decodes UTF-8 (a BOM is allowed and dropped); undefined when the bytes are not valid UTF-8 or
 * contain NUL bytes (binary).
 */
export function decodeText(bytes: Uint8Array, truncated = false): string | undefined {
  if (bytes.includes(0)) {
    return undefined;
  }
  try {
    // `ignoreBOM: false` (the default) strips a leading BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
  } catch {
    return undefined;
  }
}

function looksLikeJson(text: string, truncated: boolean): boolean {
  if (truncated) {
    const first = text.charCodeAt(skipWhitespace(text, 0));
    return (
      first === 0x5b || // [
      first === 0x7b || // {
      first === 0x22 || // "
      first === 0x2d || // -
      (first >= 0x30 && first <= 0x39) || // 0-9
      first === 0x74 || // t
      first === 0x66 || // f
      first === 0x6e // n
    );
  }
  // the whole file, at most HEAD_BYTES: V8's JSON.parse is linear and not recursive
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function detected(kind: DocumentKind): DetectedType {
  return { kind, mime: MIME_BY_KIND[kind] };
}

function reject(code: RejectionCode, message: string): TypeRejection {
  return { code, message };
}

function allowedList(): string {
  return 'txt, md, html, csv, json, pdf, docx';
}

function describe(ext: string): string {
  return ext === 'zip' ? 'a ZIP archive (not a Word document)' : `a .${ext} file`;
}
