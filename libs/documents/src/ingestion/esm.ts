/**
 * The one place that loads ESM-only packages (file-type, pdfjs-dist). They cannot be imported
 * statically from our CommonJS output, so they are loaded lazily with a real dynamic `import()`
 * (kept as such by `module: nodenext`). Under jest this needs
 * `NODE_OPTIONS=--experimental-vm-modules` (set by `npm test`).
 *
 * Each module promise is cached; a failed load is not cached, so a later call can retry.
 */

const importFileType = () => import('file-type');
const importPdfjs = () => import('pdfjs-dist/legacy/build/pdf.mjs');
/** The worker build ships no type declarations; only its presence matters here. */
const PDFJS_WORKER = 'pdfjs-dist/legacy/build/pdf.worker.mjs';
const importPdfjsWorker = () => import(PDFJS_WORKER) as Promise<{ WorkerMessageHandler: unknown }>;

export type FileTypeModule = Awaited<ReturnType<typeof importFileType>>;
export type PdfjsModule = Awaited<ReturnType<typeof importPdfjs>>;

let fileTypePromise: Promise<FileTypeModule> | undefined;
let pdfjsPromise: Promise<PdfjsModule> | undefined;

export function loadFileType(): Promise<FileTypeModule> {
  fileTypePromise ??= importFileType().catch((error: unknown) => {
    fileTypePromise = undefined;
    throw error;
  });
  return fileTypePromise;
}

/**
 * pdfjs-dist (legacy build, for Node 20). The worker module is loaded too and exposed as
 * `globalThis.pdfjsWorker`, which pdfjs uses as its in-process ("fake") worker instead of
 * importing a worker file by URL itself (which is fragile under jest and bundlers).
 */
export function loadPdfjs(): Promise<PdfjsModule> {
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
