// Moving files: the batch upload with progress, and downloads handed to the browser as files.

import type { ProblemDetails } from './extra-types';
import { ApiError, networkError } from './errors';
import { buildUrl, rawRequest } from './client';
import { session } from './session';

export interface UploadOutcome<T> {
  status: number;
  body: T | null;
  error?: ApiError;
}

/**
 * One multipart request for the whole batch (one batch, one summary mail), with XMLHttpRequest's
 * upload progress; `onProgress(loaded, total)` reports bytes sent.
 */
export function uploadFiles<T>(
  files: File[],
  onProgress: (loaded: number, total: number) => void,
): Promise<UploadOutcome<T>> {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  const attempt = () =>
    new Promise<UploadOutcome<T>>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', buildUrl('/documents'));
      xhr.setRequestHeader('Accept', 'application/json');
      if (session.accessToken)
        xhr.setRequestHeader('Authorization', `Bearer ${session.accessToken}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
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
      xhr.onerror = () =>
        resolve({ status: 0, body: null, error: networkError(new Error('upload interrupted')) });
      xhr.send(form);
    });
  return attempt().then(async (outcome) => {
    if (outcome.status === 401 && (await session.refresh())) return attempt();
    return outcome;
  });
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
