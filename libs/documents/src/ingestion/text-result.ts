import { ExtractionError } from './errors';
import { type ExtractionLimits, type ExtractionResult } from './types';

/** Fails with `limit_exceeded` when `chars` is over the limit. */
export function checkCharLimit(chars: number, limits: Pick<ExtractionLimits, 'maxChars'>): void {
  if (chars > limits.maxChars) {
    throw new ExtractionError(
      'limit_exceeded',
      `The document has more than ${limits.maxChars.toLocaleString('en')} characters of text.`,
    );
  }
}

/** Whether text has anything but whitespace and invisible characters. */
export function hasText(text: string): boolean {
  return /[^\s\u200b-\u200f\u2060\ufeff]/u.test(text);
}

export function noTextError(
  message = 'The document contains no extractable text.',
): ExtractionError {
  return new ExtractionError('no_extractable_text', message);
}

/** The result for a format without pages: one page, page 1. */
export function singlePage(
  text: string,
  limits: Pick<ExtractionLimits, 'maxChars'>,
): ExtractionResult {
  checkCharLimit(text.length, limits);
  if (!hasText(text)) {
    throw noTextError();
  }
  return { pages: [{ page: 1, text }], pageCount: 1 };
}

/** UTF-8 (BOM dropped); invalid UTF-8 is a `corrupt_file`. */
export function decodeUtf8(content: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch (error) {
    throw new ExtractionError('corrupt_file', 'The file is not valid UTF-8 text.', {
      cause: error,
    });
  }
}
