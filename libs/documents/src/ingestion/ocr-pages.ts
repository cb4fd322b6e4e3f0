import { checkCharLimit, hasText, noTextError } from './text-result';
import type { ExtractionLimits, ExtractionResult, PageText } from './types';

/**
 * A PDF page whose text layer has fewer visible characters than this is read with OCR (a scan
 * with a stamped page number, or an empty layer); its layer text is kept unless OCR finds more.
 */
export const NEGLIGIBLE_TEXT_CHARS = 16;

const INVISIBLE = /[\s\u200b-\u200f\u2060\ufeff]/u;

/** Whether `text` has fewer than `NEGLIGIBLE_TEXT_CHARS` visible characters (stops counting there). */
export function hasNegligibleText(text: string): boolean {
  let visible = 0;
  for (const char of text) {
    if (!INVISIBLE.test(char)) {
      visible += 1;
      if (visible >= NEGLIGIBLE_TEXT_CHARS) return false;
    }
  }
  return true;
}

/** Visible characters of `text`. */
function visibleChars(text: string): number {
  let visible = 0;
  for (const char of text) {
    if (!INVISIBLE.test(char)) visible += 1;
  }
  return visible;
}

/**
 * The extraction result with the text OCR read from some of its pages: a page's OCR text replaces
 * its (negligible) layer text when it has more visible characters, pages stay in order, and the
 * candidates list is dropped. Fails with `no_extractable_text` when no page has text even then,
 * and with `limit_exceeded` past `maxChars` (all pages together).
 */
export function withOcrPages(
  result: ExtractionResult,
  ocrPages: readonly PageText[],
  limits: Pick<ExtractionLimits, 'maxChars'>,
): ExtractionResult {
  const byPage = new Map<number, string>(result.pages.map((p) => [p.page, p.text]));
  for (const { page, text } of ocrPages) {
    if (!Number.isInteger(page) || page < 1 || page > result.pageCount || !hasText(text)) continue;
    const layer = byPage.get(page);
    if (layer === undefined || visibleChars(text) > visibleChars(layer)) {
      byPage.set(page, text);
    }
  }
  const pages = [...byPage].sort(([a], [b]) => a - b).map(([page, text]) => ({ page, text }));
  checkCharLimit(
    pages.reduce((sum, p) => sum + p.text.length, 0),
    limits,
  );
  if (pages.length === 0) {
    throw noTextError(
      ocrPages.length === 0 && (result.ocrCandidates?.length ?? 0) === 0
        ? 'The PDF has no text layer (it is scanned or images only).'
        : 'The PDF has no text layer, and OCR found no text on its pages.',
    );
  }
  return { pages, pageCount: result.pageCount };
}
