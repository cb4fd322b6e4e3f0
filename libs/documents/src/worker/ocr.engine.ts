import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { DocumentSettings, OcrSettings } from '@docent/config';
import type { OcrCandidate, PageText } from '../ingestion/types';
import { IngestionMetrics } from './ingestion.metrics';
import {
  detectOcrTools,
  type OcrLimits,
  ocrPdfPages,
  type OcrRunner,
  type OcrTools,
  type PdfWriter,
  sweepStaleOcrDirs,
} from './ocr';
import { killOcrProcesses } from './ocr-process';

/** A page's directory untouched for its time limit and this much longer was left behind. */
const STALE_DIR_MARGIN_MS = 10 * 60_000;

/**
 * The worker's OCR (see `ocr.ts`): decides at start-up whether it is on. `OCR_ENABLED=auto` (the
 * default) turns it on when `tesseract`, `pdftoppm` and the `OCR_LANGUAGES` data are installed,
 * and otherwise logs one warning and leaves it off (scanned PDFs then fail with
 * `no_extractable_text`, as before); `OCR_ENABLED=true` makes a missing piece a start-up error;
 * `false` turns it off. On shutdown the programs still running are killed.
 */
@Injectable()
export class OcrEngine implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Ocr');
  private readonly settings: OcrSettings;
  private readonly memoryMb: number;
  private tools: OcrTools | undefined;
  private readonly shutdown = new AbortController();

  constructor(
    config: ConfigService,
    private readonly metrics: IngestionMetrics,
  ) {
    const documents = config.getOrThrow<DocumentSettings>('documents');
    this.settings = documents.ocr;
    // each program's address space is capped like an extraction process's memory
    this.memoryMb = documents.extractionMaxRssMb;
  }

  async onModuleInit(): Promise<void> {
    if (this.settings.enabled === false) {
      this.logger.log('OCR is off (OCR_ENABLED=false): PDF pages without text stay unread');
      return;
    }
    const found = await detectOcrTools(this.settings.languages);
    if ('problem' in found) {
      if (this.settings.enabled === true) {
        throw new Error(`OCR_ENABLED=true, but OCR cannot run: ${found.problem}.`);
      }
      this.logger.warn(
        `OCR is off: ${found.problem}. Scanned PDFs fail with no_extractable_text; install tesseract-ocr and poppler-utils, or set OCR_ENABLED=false to silence this.`,
      );
      return;
    }
    this.tools = found.tools;
    const { languages, maxPages, dpi, pageTimeoutMs, timeoutMs } = this.settings;
    // what a worker killed mid-document left behind (a live one's directory changes every page)
    const swept = await sweepStaleOcrDirs(pageTimeoutMs + STALE_DIR_MARGIN_MS);
    if (swept > 0) this.logger.warn(`removed ${swept} OCR directories left by a stopped worker`);
    this.logger.log(
      `OCR is on: ${languages} at ${dpi} dpi, at most ${maxPages} pages, ${pageTimeoutMs / 1000} s a page, ${timeoutMs / 1000} s a document` +
        (found.tools.prlimit
          ? `, each program capped at ${this.memoryMb} MB of address space`
          : ' (no prlimit: the programs run without a memory cap)'),
    );
  }

  onApplicationShutdown(): void {
    this.shutdown.abort();
    killOcrProcesses();
  }

  /** Whether OCR is on (decided at start-up). */
  get enabled(): boolean {
    return this.tools !== undefined;
  }

  /** The runner extraction uses for one document, or undefined when OCR is off. */
  runner(label: string): OcrRunner | undefined {
    const tools = this.tools;
    if (!tools) return undefined;
    return {
      read: (writePdf, candidates) => this.read(label, tools, writePdf, candidates),
    };
  }

  private async read(
    label: string,
    tools: OcrTools,
    writePdf: PdfWriter,
    candidates: readonly OcrCandidate[],
  ): Promise<PageText[]> {
    if (candidates.length === 0) return [];
    const limits: OcrLimits = { ...this.settings, memoryMb: this.memoryMb };
    const started = performance.now();
    const { pages, reports } = await ocrPdfPages(writePdf, candidates, tools, limits, {
      signal: this.shutdown.signal,
      onPage: (report) => this.metrics.ocrPage(report.outcome, report.ms / 1000),
    });
    const counts = new Map<string, number>();
    for (const { outcome } of reports) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    const problems = reports
      .filter((r) => r.reason !== undefined)
      .slice(0, 5)
      .map((r) => `page ${r.page} ${r.outcome}: ${r.reason}`);
    const summary = `${label}: OCR of ${candidates.length} pages without text in ${Math.round(performance.now() - started)} ms (${[...counts].map(([o, n]) => `${o} ${n}`).join(', ')})`;
    if (problems.length > 0) this.logger.warn(`${summary}; ${problems.join('; ')}`);
    else this.logger.log(summary);
    return pages;
  }
}
