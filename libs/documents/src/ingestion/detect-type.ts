import { loadFileType } from './esm';
import { type DocumentKind, MIME_BY_KIND } from './types';

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

const HTML_SNIFF =
  /<(!doctype\s+html|html|head|body|title|meta|p|div|span|h[1-6]|table|ul|ol|li|a|br|article|section|main|pre)[\s>/]/i;

/**
 * Text that is a whole HTML document (a doctype or an `<html>` element first, after optional
 * comments): refused under any other text extension, so a page is never stored as plain text
 * (and later served with a text type it could be sniffed out of).
 */
const HTML_DOCUMENT = /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)[\s>]/i;

/** The extension of a file name, lower-cased, without the dot ('' when there is none). */
export function extensionOf(filename: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/**
 * Decides the type of an upload from its content and requires it to agree with the extension.
 * `head` is the file (or its beginning, see `options.truncated`; give at least a few KB so a
 * docx can be told from any other ZIP).
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

  const { fileTypeFromBuffer } = await loadFileType();
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
  const text = decodeText(head, options.truncated ?? false);
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
  if (declared !== 'html' && HTML_DOCUMENT.test(text)) {
    return reject(
      'type_mismatch',
      `The content is an HTML document but the name ends in .${extension}.`,
    );
  }
  if (declared === 'json' && !looksLikeJson(text, options.truncated ?? false)) {
    return reject('type_mismatch', 'The name ends in .json but the content is not valid JSON.');
  }
  if (declared === 'html' && !HTML_SNIFF.test(text)) {
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
    return /^\s*[[{"\d\-tfn]/.test(text);
  }
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

const MAX_FILENAME_BYTES = 200;
const RESERVED_CHARACTERS = /[<>:"/\\|?*]/g;
// C0/C1 controls, DEL, and invisible/bidi formatting characters that can disguise a name.
const CONTROL_CHARACTERS = /[\p{Cc}\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A file name safe to show and to put in a Content-Disposition header: no directories, control
 * or reserved characters, at most 200 UTF-8 bytes, extension kept. Never used as a storage path.
 */
export function sanitizeFilename(name: string): string {
  let base = (name.split(/[/\\]/).pop() ?? '').normalize('NFC');
  base = base
    .replace(CONTROL_CHARACTERS, '')
    .replace(RESERVED_CHARACTERS, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+|(?<![.\s])[.\s]+$/g, '');

  const dot = base.lastIndexOf('.');
  let stem = dot > 0 ? base.slice(0, dot) : base;
  let extension = dot > 0 ? base.slice(dot) : '';
  if (byteLength(extension) > 20) {
    stem = base;
    extension = '';
  }
  stem = stem.replace(/(?<![.\s])[.\s]+$/g, '');
  if (stem === '' || WINDOWS_RESERVED.test(stem)) {
    stem = stem === '' ? 'file' : `_${stem}`;
  }
  stem = truncateBytes(stem, MAX_FILENAME_BYTES - byteLength(extension));
  return `${stem}${extension}`;
}

function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Cuts to at most `max` UTF-8 bytes without splitting a character. */
function truncateBytes(value: string, max: number): string {
  if (byteLength(value) <= max) {
    return value;
  }
  let out = '';
  let bytes = 0;
  for (const char of value) {
    const size = byteLength(char);
    if (bytes + size > max) {
      break;
    }
    out += char;
    bytes += size;
  }
  return out.trimEnd();
}
