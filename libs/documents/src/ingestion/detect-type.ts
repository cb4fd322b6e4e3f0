import { fileTypeFromBuffer } from 'file-type';
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

/**
 * Bytes of a file that type detection looks at, at most: magic bytes, a docx's first ZIP entries,
 * the start of a text. Everything detection does is linear in this head (small scanners, no
 * backtracking patterns), so an upload can never make detection slow, however hostile.
 */
export const HEAD_BYTES = 4096;

/** Tags whose presence marks text as HTML (`<p>`, `<div …`, `<br/>`, …). */
const HTML_TAGS = new Set([
  'html',
  'head',
  'body',
  'title',
  'meta',
  'p',
  'div',
  'span',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'ul',
  'ol',
  'li',
  'a',
  'br',
  'article',
  'section',
  'main',
  'pre',
]);
/** The longest name looked at after a `<` (`!doctype`). */
const LONGEST_TAG = 8;

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

/**
 * Text that is a whole HTML document: a doctype or an `<html>` element first, after optional
 * whitespace and comments. Refused under any other text extension, so a page is never stored as
 * plain text (and later served with a text type it could be sniffed out of). A comment ends at
 * the first `-->`, as in a browser. One pass over the text.
 */
export function isHtmlDocument(text: string): boolean {
  let i = skipWhitespace(text, 0);
  while (text.startsWith('<!--', i)) {
    const end = text.indexOf('-->', i + 4);
    if (end < 0) {
      return false;
    }
    i = skipWhitespace(text, end + 3);
  }
  return text.charCodeAt(i) === 0x3c && isHtmlStart(text, i + 1, true);
}

/** Whether the text has HTML markup: one of `HTML_TAGS` (or a doctype) opened anywhere. */
export function hasHtmlMarkup(text: string): boolean {
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    if (isHtmlStart(text, i + 1, false)) {
      return true;
    }
  }
  return false;
}

/**
 * At `start` (just after a `<`): `!doctype html` or a tag name, then whitespace, `>` (or `/`
 * unless `documentOnly`). `documentOnly` accepts only `html` as the tag. Looks at a bounded
 * number of characters (the doctype's whitespace aside, which the caller's scan passes once).
 */
function isHtmlStart(text: string, start: number, documentOnly: boolean): boolean {
  let end = start;
  while (end < text.length && end - start <= LONGEST_TAG && isNameChar(text.charCodeAt(end))) {
    end += 1;
  }
  const name = text.slice(start, end).toLowerCase();
  if (name === '!doctype') {
    const html = skipWhitespace(text, end);
    return (
      html > end &&
      text.slice(html, html + 4).toLowerCase() === 'html' &&
      isTagEnd(text.charCodeAt(html + 4), documentOnly)
    );
  }
  const known = documentOnly ? name === 'html' : HTML_TAGS.has(name);
  return known && isTagEnd(text.charCodeAt(end), documentOnly);
}

/** Letters, digits and `!` (a doctype). */
function isNameChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x21 // !
  );
}

/** What may follow a tag name: whitespace or `>`, and `/` (`<br/>`) unless `documentOnly`. */
function isTagEnd(code: number, documentOnly: boolean): boolean {
  return code === 0x3e || (!documentOnly && code === 0x2f) || isWhitespace(code);
}

/** The index of the first character at or after `from` that is not whitespace. */
function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) {
    i += 1;
  }
  return i;
}

/** The characters of the `\s` class (ECMAScript WhiteSpace and LineTerminator). */
function isWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
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
