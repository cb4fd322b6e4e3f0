/** The document types ingestion accepts (SPEC §6). */
export const DOCUMENT_KINDS = ['txt', 'md', 'html', 'csv', 'json', 'pdf', 'docx'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const MIME_BY_KIND: Readonly<Record<DocumentKind, string>> = {
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** Text of one page. Page numbers start at 1; formats without pages are one page, page 1. */
export interface PageText {
  page: number;
  text: string;
}

export interface ExtractionResult {
  /** Pages that have text, in order (a PDF page without text is left out, but counted). */
  pages: PageText[];
  /** Number of pages of the document (1 for formats without pages). */
  pageCount: number;
  /**
   * PDF only, and only when asked for (`ExtractOptions.ocrCandidates`): the pages whose text
   * layer is empty or negligible, to be read with OCR. The result may then have no pages at all;
   * `withOcrPages` decides whether there is text once OCR has run.
   */
  ocrCandidates?: OcrCandidate[];
}

/** A PDF page to read with OCR, and its size in PDF points (1/72 inch), rotation applied. */
export interface OcrCandidate {
  page: number;
  width: number;
  height: number;
}

export interface ExtractOptions {
  /**
   * PDF: list the pages without a (meaningful) text layer instead of failing with
   * `no_extractable_text` when no page has text (the worker then reads them with OCR).
   */
  ocrCandidates?: boolean;
}

export interface ExtractionLimits {
  /** PDFs with more pages fail with `limit_exceeded`. */
  maxPages: number;
  /** Extracted text longer than this (all pages together) fails with `limit_exceeded`. */
  maxChars: number;
  /** docx: more ZIP entries than this is an `archive_bomb`. */
  maxArchiveEntries: number;
  /** docx: more bytes than this once all entries are inflated is an `archive_bomb`. */
  maxArchiveUncompressedBytes: number;
  /** docx: an entry inflating to more than this many times its compressed size is an `archive_bomb`. */
  maxArchiveEntryRatio: number;
  /** json: nesting deeper than this is rendered compactly instead of as key paths. */
  maxJsonDepth: number;
  /**
   * pdf: the Flate-compressed streams may decode to this many bytes together, at most (more is
   * `limit_exceeded`); docx: see `maxArchiveUncompressedBytes`.
   */
  maxDecodedBytes: number;
  /** json: nesting deeper than this (arrays and objects) fails with `limit_exceeded`. */
  maxJsonNesting: number;
}

export const DEFAULT_EXTRACTION_LIMITS: Readonly<ExtractionLimits> = Object.freeze({
  maxPages: 2_000,
  maxChars: 5_000_000,
  maxArchiveEntries: 2_000,
  maxArchiveUncompressedBytes: 200 * 1024 * 1024,
  maxArchiveEntryRatio: 200,
  maxJsonDepth: 32,
  maxJsonNesting: 512,
  maxDecodedBytes: 256 * 1024 * 1024,
});
