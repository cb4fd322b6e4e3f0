export * from './types';
export * from './errors';
export * from './detect-type';
export { extractText, resolveLimits } from './extract';
export { extractPdf } from './pdf-extractor';
export { extractDocx } from './docx-extractor';
export { inspectArchive, type ArchiveLimits, type ArchiveSummary } from './archive-guard';
export {
  extractPlainText,
  extractHtml,
  extractCsv,
  extractJson,
  parseCsv,
} from './text-extractors';
export * from './chunker';
