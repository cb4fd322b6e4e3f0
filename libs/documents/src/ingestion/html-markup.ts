/**
 * Telling HTML from other text by scanning, never by backtracking patterns: each check is one
 * pass over a bounded head, so detection stays fast on any upload.
 */

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
export function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) {
    i += 1;
  }
  return i;
}

/** The characters of the `\s` class (ECMAScript WhiteSpace and LineTerminator). */
export function isWhitespace(code: number): boolean {
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
