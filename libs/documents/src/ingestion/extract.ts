import { extractDocx } from './docx-extractor';
import { extractPdf } from './pdf-extractor';
import { extractCsv, extractHtml, extractJson, extractPlainText } from './text-extractors';
import {
  DEFAULT_EXTRACTION_LIMITS,
  type DocumentKind,
  type ExtractionLimits,
  type ExtractionResult,
} from './types';

/**
 * Extracts the text of a document whose type `detectType` decided. Fails with an
 * `ExtractionError` (`encrypted_pdf`, `no_extractable_text`, `archive_bomb`, `corrupt_file`,
 * `limit_exceeded`, all permanent); anything else thrown is unexpected (e.g. a module that could
 * not be loaded) and may be retried.
 */
export async function extractText(
  content: Buffer,
  kind: DocumentKind,
  limits: Partial<ExtractionLimits> = {},
): Promise<ExtractionResult> {
  const effective = resolveLimits(limits);
  switch (kind) {
    case 'txt':
    case 'md':
      return extractPlainText(content, effective);
    case 'html':
      return extractHtml(content, effective);
    case 'csv':
      return extractCsv(content, effective);
    case 'json':
      return extractJson(content, effective);
    case 'pdf':
      return extractPdf(content, effective);
    case 'docx':
      return extractDocx(content, effective);
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
