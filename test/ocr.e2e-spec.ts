import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scannedPdf } from '../libs/documents/src/ingestion/test-pdf';
import {
  type ApiProcess,
  ensureBuiltApi,
  ensureBuiltWorker,
  freePort,
  spawnBuiltApi,
  spawnBuiltWorker,
  type WorkerProcess,
} from './support/built-worker';
import { testEnv } from './support/config';
import { CORPUS_DIR } from './support/shared';
import { newIdentity } from './support/stack';

/**
 * Issue 15, "Scanned PDFs": a PDF whose pages are only images (made here: a text PDF rendered by
 * pdftoppm to JPEGs, wrapped back into a PDF without any text) is uploaded to the built api and
 * ingested by the built worker (extraction in its sandboxed child, OCR with Debian's tesseract
 * and pdftoppm in the worker). It must complete, be found by search, and be cited with the page
 * each word is on. The corpus's image-only PDF, on which OCR reads nothing, still fails with
 * `no_extractable_text`.
 */

jest.setTimeout(600_000);

const PAGES = [
  ['Lighthouse keepers meet every winter', 'to repair the old stone tower.'],
  ['The harbour committee approved a budget', 'for new brass lanterns.'],
];

interface DocumentState {
  status: string;
  pageCount: number | null;
  attempts: number;
  error: { code: string } | null;
}

interface Hit {
  documentId: string;
  page: number | null;
  snippet: string;
}

describe('scanned PDFs through the built api and worker (OCR)', () => {
  let api: ApiProcess | undefined;
  let worker: WorkerProcess | undefined;
  let workerPort: number;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ensureBuiltApi();
    ensureBuiltWorker();
    workerPort = await freePort();
    const env = testEnv({
      LOG_LEVEL: 'info',
      RATE_LIMIT: '10000/1m',
      RATE_LIMIT_AUTH: '1000/1m',
      RATE_LIMIT_UPLOAD: '1000/1m',
      RATE_LIMIT_CHAT: '1000/1m',
      WORKER_HTTP_PORT: String(workerPort),
      // a missing program or language is a start-up error, not a silent skip
      OCR_ENABLED: 'true',
      OCR_LANGUAGES: 'eng',
    });
    api = await spawnBuiltApi(env);
    worker = spawnBuiltWorker(env);
    const registered = await fetch(`${api.baseUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(newIdentity('ocr')),
    });
    expect(registered.status).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    auth = { authorization: `Bearer ${accessToken}` };
  }, 600_000);

  afterAll(async () => {
    for (const proc of [api, worker]) {
      if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      }
    }
  });

  async function upload(name: string, content: Buffer): Promise<string> {
    const form = new FormData();
    form.append('files', new Blob([content]), name);
    const res = await fetch(`${api!.baseUrl}/api/v1/documents`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: { id: string }[] };
    return body.accepted[0].id;
  }

  async function settled(id: string): Promise<DocumentState> {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const res = await fetch(`${api!.baseUrl}/api/v1/documents/${id}`, { headers: auth });
      const state = (await res.json()) as DocumentState;
      if (['completed', 'failed'].includes(state.status)) return state;
      if (Date.now() > deadline) throw new Error(`document ${id} still ${state.status}`);
      if (worker!.child.exitCode !== null) {
        throw new Error(`the worker exited:\n${worker!.output.join('')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async function search(q: string): Promise<Hit[]> {
    const res = await fetch(`${api!.baseUrl}/api/v1/search?${new URLSearchParams({ q })}`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Hit[] }).items;
  }

  it('reads an image-only PDF with OCR: completed, searchable, cited with its pages', async () => {
    const scan = await scannedPdf(PAGES);
    // no text layer at all: nothing before OCR could have read these words
    expect(scan.includes('Lighthouse')).toBe(false);
    const id = await upload('scan.pdf', scan);
    const state = await settled(id);
    expect(state).toMatchObject({ status: 'completed', pageCount: 2, attempts: 1, error: null });

    const lighthouse = (await search('lighthouse keepers')).filter((h) => h.documentId === id);
    expect(lighthouse[0]).toMatchObject({
      page: 1,
      snippet: expect.stringMatching(/«Lighthouse»/),
    });
    const lanterns = (await search('brass lanterns')).filter((h) => h.documentId === id);
    expect(lanterns[0]).toMatchObject({ page: 2, snippet: expect.stringMatching(/«lanterns»/) });

    // chat cites the page the answer is on
    const session = await fetch(`${api!.baseUrl}/api/v1/chat/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ documentIds: [id] }),
    });
    expect(session.status).toBe(201);
    const { id: sessionId } = (await session.json()) as { id: string };
    const asked = await fetch(`${api!.baseUrl}/api/v1/chat/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'What did the harbour committee approve a budget for?' }),
    });
    expect(asked.status).toBe(201);
    const { assistantMessage } = (await asked.json()) as {
      assistantMessage: { content: string; citations: { documentId: string; page: number }[] };
    };
    expect(assistantMessage.citations[0]).toMatchObject({ documentId: id, page: 2 });
    expect(assistantMessage.content).toMatch(/lanterns/);

    // the worker says what OCR did, and counts it
    const log = worker!.output.join('');
    const summary = new RegExp(
      `document=${id}: OCR of 2 pages without text in (\\d+) ms \\(text 2\\)`,
    ).exec(log);
    expect(summary).not.toBeNull();
    expect(log).toMatch(
      new RegExp(`document=${id} v\\d+ completed: 2 pages \\(2 read with OCR\\)`),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
    expect(metrics).toMatch(/^ingestion_ocr_pages_total\{outcome="text"[^}]*\} 2$/m);
    expect(metrics).toMatch(/^ingestion_ocr_page_duration_seconds_count(?:\{[^}]*\})? 2$/m);
    console.log(
      `OCR of the generated 2-page scan: ${summary![1]} ms in all (render + recognition, 300 dpi)`,
    );
  });

  it('still fails a PDF on which OCR finds nothing with no_extractable_text', async () => {
    const id = await upload(
      'imagemagick-images.pdf',
      readFileSync(join(CORPUS_DIR, 'imagemagick-images.pdf')),
    );
    expect(await settled(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'no_extractable_text' },
    });
    // its pages (3.84 pt squares) are too small to hold text: skipped, no program started
    expect(worker!.output.join('')).toMatch(
      new RegExp(`document=${id}: OCR of 6 pages without text in \\d+ ms \\(skipped 6\\)`),
    );
  });
});
