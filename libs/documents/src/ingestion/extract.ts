import { extractDocx } from './docx-extractor';
import { ExtractionError } from './errors';
import { extractPdf } from './pdf-extractor';
import { extractCsv, extractHtml, extractJson, extractPlainText } from './text-extractors';
import {
  DEFAULT_EXTRACTION_LIMITS,
  type DocumentKind,
  type ExtractionLimits,
  type ExtractOptions,
  type ExtractionResult,
} from './types';

/**
 * Extracts the text of a document whose type `detectType` decided (with `ocrCandidates`, a PDF
 * without text is not a failure yet: see `ExtractOptions`). Fails with an
 * `ExtractionError` (`encrypted_pdf`, `no_extractable_text`, `archive_bomb`, `corrupt_file`,
 * `limit_exceeded`, all permanent; a RangeError, such as a stack overflow on deep nesting, becomes
 * a permanent `limit_exceeded`); anything else thrown is unexpected (e.g. a module that could
 * not be loaded) and may be retried.
 */
export async function extractText(
  content: Buffer,
  kind: DocumentKind,
  limits: Partial<ExtractionLimits> = {},
  options: ExtractOptions = {},
): Promise<ExtractionResult> {
  const effective = resolveLimits(limits);
  try {
    return await extractKind(content, kind, effective, options);
  } catch (error) {
    // stack overflow, a string or buffer too large to allocate: the same bytes would fail
    // the same way again, so it is permanent (never retried)
    if (error instanceof RangeError) {
      throw new ExtractionError(
        'limit_exceeded',
        'The document is too complex or too large to extract (nesting or size).',
        { cause: error },
      );
    }
    throw error;
  }
}

function extractKind(
  content: Buffer,
  kind: DocumentKind,
  limits: ExtractionLimits,
  options: ExtractOptions,
): ExtractionResult | Promise<ExtractionResult> {
  switch (kind) {
    case 'txt':
    case 'md':
      return extractPlainText(content, limits);
    case 'html':
      return extractHtml(content, limits);
    case 'csv':
      return extractCsv(content, limits);
    case 'json':
      return extractJson(content, limits);
    case 'pdf':
      return extractPdf(content, limits, options);
    case 'docx':
      return extractDocx(content, limits);
  }
}

/** Defaults for any limit not given (undefined values are ignored). */
export function resolveLimits(limits: Partial<ExtractionLimits> = {}): ExtractionLimits {
  const effective: ExtractionLimits = { ...DEFAULT_EXTRACTION_LIMITS };
  for (const key of Object.keys(effective) as (keyof ExtractionLimits)[]) {
    const value = limits[key];
    if (value !== undefined) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new RangeError(`Extraction limit ${key} must be a positive number (got ${value}).`);
      }
      effective[key] = value;
    }
  }
  return effective;
}
