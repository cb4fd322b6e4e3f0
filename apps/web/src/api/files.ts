// Moving files: the batch upload with progress, and downloads handed to the browser as files.

import type { ProblemDetails } from './extra-types';
import { ApiError, networkError } from './errors';
import { buildUrl, rawRequest } from './client';
import { session } from './session';

export interface UploadOutcome<T> {
  status: number;
  body: T | null;
  error?: ApiError;
  /** the request was aborted by `UploadHandle.abort` (nothing was kept by the server) */
  aborted?: boolean;
}

/** A running upload: its outcome, and a way to call it off while its body is still being sent. */
export interface UploadHandle<T> {
  result: Promise<UploadOutcome<T>>;
  /**
   * Aborts the request while its body is still being sent; the api then keeps nothing (the
   * stream is cut: no row, no stored file). Returns false, doing nothing, once the whole body has
   * been sent: the server is deciding, so the caller waits for `result` and deletes what it
   * accepted. The browser reports the body sent some time after it left (upload progress is
   * polled), so an abort may still reach a server that has it all: the api then deletes what it
   * committed for a client that left before its answer (test/upload-abort.e2e-spec.ts).
   */
  abort(): boolean;
}

/**
 * One multipart request for the whole batch (one batch, one summary mail), with XMLHttpRequest's
 * upload progress; `onProgress(loaded, total)` reports bytes sent.
 */
export function uploadFiles<T>(
  files: File[],
  onProgress: (loaded: number, total: number) => void,
): UploadHandle<T> {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  let current: XMLHttpRequest | null = null;
  let bodySent = false;
  let aborted = false;
  const abortedOutcome: UploadOutcome<T> = { status: 0, body: null, aborted: true };
  const attempt = () =>
    new Promise<UploadOutcome<T>>((resolve) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      bodySent = false;
      xhr.open('POST', buildUrl('/documents'));
      xhr.setRequestHeader('Accept', 'application/json');
      if (session.accessToken)
        xhr.setRequestHeader('Authorization', `Bearer ${session.accessToken}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      };
      xhr.upload.onload = () => {
        bodySent = true;
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        const status = xhr.status;
        if (status >= 200 && status < 300) {
          resolve({ status, body: body as T });
          return;
        }
        const problem: ProblemDetails =
          body && typeof body === 'object'
            ? { status, ...(body as object) }
            : { status, title: xhr.statusText || 'Upload failed' };
        resolve({ status, body: (body as T) ?? null, error: new ApiError(problem) });
      };
      xhr.onabort = () => resolve(abortedOutcome);
      xhr.onerror = () =>
        resolve({ status: 0, body: null, error: networkError(new Error('upload interrupted')) });
      xhr.send(form);
    });
  const result = attempt().then(async (outcome) => {
    if (outcome.status !== 401 || aborted) return outcome;
    // refused before anything was kept: abortable again while the token is renewed
    bodySent = false;
    if (!(await session.refresh())) return outcome;
    return aborted ? abortedOutcome : attempt();
  });
  return {
    result,
    abort() {
      if (bodySent) return false;
      aborted = true;
      current?.abort();
      return true;
    },
  };
}

/**
 * Downloads an API resource (bearer-authenticated) and hands it to the browser as a file, never
 * as a page: uploaded files are untrusted (HTML, SVG, …), and anything opened from a `blob:` URL
 * made here would run in the app's origin. So the bytes are re-typed `application/octet-stream`
 * (a browser can only save such a blob, even when the object URL is opened), the link carries
 * `download` and is never navigated to, and the object URL is revoked soon after.
 */
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await rawRequest('GET', path, { headers: { Accept: '*/*' } });
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const match = /filename\*=UTF-8''([^;]+)|filename="([^"]+)"/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1] ?? match[2] ?? '') : fallbackName;
  const bytes = await response.arrayBuffer();
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name || fallbackName;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
