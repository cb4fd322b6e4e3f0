import { ExtractionError } from './errors';
import { checkPdfDecodedBytes } from './pdf-budget';
import { hasNegligibleText } from './ocr-pages';
import { checkCharLimit, hasText, noTextError } from './text-result';
import {
  type ExtractionLimits,
  type ExtractionResult,
  type ExtractOptions,
  type OcrCandidate,
  type PageText,
} from './types';

const importPdfjs = () => import('pdfjs-dist/legacy/build/pdf.mjs');
/** The worker build ships no type declarations; only its presence matters here. */
const PDFJS_WORKER = 'pdfjs-dist/legacy/build/pdf.worker.mjs';
const importPdfjsWorker = () => import(PDFJS_WORKER) as Promise<{ WorkerMessageHandler: unknown }>;
let pdfjsPromise: ReturnType<typeof importPdfjs> | undefined;

/**
 * pdfjs-dist, loaded on the first PDF: it costs about 63 MB of memory and 150 ms to load
 * (measured on Node 24), which only the processes that extract PDFs (the extraction children)
 * should pay, not the api or the worker's main process, which import this library too. Its
 * worker module is exposed as `globalThis.pdfjsWorker`, which pdfjs then runs in-process (its
 * "fake" worker) instead of importing a worker file by URL or starting a worker thread. A failed
 * load is not cached, so a later call can retry.
 */
function loadPdfjs(): ReturnType<typeof importPdfjs> {
  pdfjsPromise ??= (async () => {
    const [pdfjs, worker] = await Promise.all([importPdfjs(), importPdfjsWorker()]);
    const global = globalThis as { pdfjsWorker?: unknown };
    global.pdfjsWorker ??= worker;
    return pdfjs;
  })().catch((error: unknown) => {
    pdfjsPromise = undefined;
    throw error;
  });
  return pdfjsPromise;
}

/** pdfjs `VerbosityLevel.ERRORS`: no warnings or info on the console. */
const PDFJS_VERBOSITY_ERRORS = 0;

/**
 * PDF text, page by page, with pdfjs-dist (legacy build), once the compressed streams are known
 * to decode within `maxDecodedBytes` (see `checkPdfDecodedBytes`). pdfjs runs in-process, evaluates no
 * code (pdfjs 6 has no eval path left), loads no fonts and fetches nothing (no standard font data: it is only needed to render).
 * With `ocrCandidates`, the pages whose text layer is empty or negligible are listed with their
 * size (for OCR, which the worker runs outside this process), and no text is not a failure here.
 */
export async function extractPdf(
  content: Uint8Array,
  limits: Pick<ExtractionLimits, 'maxPages' | 'maxChars' | 'maxDecodedBytes'>,
  options: ExtractOptions = {},
): Promise<ExtractionResult> {
  await checkPdfDecodedBytes(content, limits);
  const pdfjs = await loadPdfjs();
  const loadingTask = pdfjs.getDocument({
    // A copy: pdfjs may transfer (detach) the buffer it is given.
    data: new Uint8Array(content),
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    stopAtErrors: false,
    verbosity: PDFJS_VERBOSITY_ERRORS,
  });
  try {
    let document: Awaited<typeof loadingTask.promise>;
    try {
      document = await loadingTask.promise;
    } catch (error) {
      throw classify(error);
    }
    const pageCount = document.numPages;
    if (pageCount > limits.maxPages) {
      throw new ExtractionError(
        'limit_exceeded',
        `The PDF has ${pageCount} pages; at most ${limits.maxPages} are allowed.`,
      );
    }
    const pages: PageText[] = [];
    const candidates: OcrCandidate[] = [];
    let chars = 0;
    for (let number = 1; number <= pageCount; number += 1) {
      let text: string;
      try {
        const page = await document.getPage(number);
        const textContent = await page.getTextContent();
        text = textContent.items
          .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
          .join('');
        if (options.ocrCandidates && hasNegligibleText(text)) {
          const { width, height } = page.getViewport({ scale: 1 });
          candidates.push({ page: number, width, height });
        }
        page.cleanup();
      } catch (error) {
        throw classify(error);
      }
      chars += text.length;
      checkCharLimit(chars, limits);
      if (hasText(text)) {
        pages.push({ page: number, text });
      }
    }
    if (options.ocrCandidates) return { pages, pageCount, ocrCandidates: candidates };
    if (pages.length === 0) {
      throw noTextError('The PDF has no text layer (it is scanned or images only).');
    }
    return { pages, pageCount };
  } finally {
    await loadingTask.destroy().catch(() => undefined);
  }
}

function classify(error: unknown): ExtractionError {
  if (error instanceof ExtractionError) {
    return error;
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return new ExtractionError('encrypted_pdf', 'The PDF is password-protected.', {
      cause: error,
    });
  }
  // InvalidPDFException, FormatError, UnknownErrorException, …: the same bytes fail every time.
  return new ExtractionError('corrupt_file', 'The PDF is damaged and cannot be read.', {
    cause: error,
  });
}
