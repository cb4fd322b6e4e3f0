import { type DragEvent, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError, messageOf } from '../../api/errors';
import { type UploadHandle, uploadFiles } from '../../api/files';
import type { DocumentDto, UploadResultDto } from '../../api/openapi.gen';
import { ProgressBar } from '../../components/ui';
import { formatBytes } from '../../lib/format';
import { perFileProgress, settleRows } from './upload-queue';

type UploadState =
  | 'uploading'
  | 'accepted'
  | 'rejected'
  | 'failed'
  /** cancel asked; waiting for the server's answer (to delete what it accepted) or the DELETE */
  | 'cancelling'
  | 'cancelled';

interface UploadRow {
  key: string;
  name: string;
  size: number;
  progress: number;
  state: UploadState;
  message?: string;
  /** the document the upload became (once accepted) */
  documentId?: string;
  /** its status when accepted; the documents list knows the live one */
  documentStatus?: string;
}

/** One multipart request in flight: the rows (files) it carries and its handle. */
interface InFlight {
  entries: { key: string; file: File }[];
  handle: UploadHandle<UploadResultDto>;
}

let uploadCounter = 0;

/** Statuses in which a document can still be called off (it is not ingested yet). */
const CANCELLABLE = new Set(['queued', 'processing']);

/** One sentence about the uploads: how many are under way, else how the latest batch went. */
function uploadSummary(uploads: UploadRow[]): string {
  const sending = uploads.filter((row) => row.state === 'uploading');
  if (sending.length > 0) {
    return sending.length === 1
      ? `Uploading ${sending[0].name}…`
      : `Uploading ${sending.length} files…`;
  }
  const batch = uploads[0]?.key.split('-')[0];
  return uploads
    .filter((row) => row.key.split('-')[0] === batch)
    .map((row) =>
      row.state === 'accepted'
        ? `${row.name} uploaded.`
        : `${row.name} ${row.state}${row.message ? `: ${row.message}` : '.'}`,
    )
    .join(' ');
}

/**
 * The drop zone and file picker (for those who may upload), and the progress of each upload,
 * with a Cancel button per file: while it is sent (the request is aborted, and the other files
 * of its batch sent again without it), and while it is queued or processing (it is deleted).
 */
export function UploadSection({
  canUpload,
  documents,
  onAccepted,
  onRemoved,
  onAnnounce,
}: {
  canUpload: boolean;
  /** the documents list, for the live status of uploaded files */
  documents: DocumentDto[] | null;
  onAccepted: (documents: DocumentDto[]) => void;
  onRemoved: (documentId: string) => void;
  onAnnounce?: (text: string) => void;
}) {
  const [uploads, setUploads] = useState<UploadRow[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  /** the request each uploading row travels in */
  const inFlight = useRef(new Map<string, InFlight>());
  /** rows whose cancel waits for their request's answer */
  const cancelPending = useRef(new Set<string>());

  const updateRows = (keys: Set<string>, fn: (row: UploadRow) => UploadRow) =>
    setUploads((current) => current.map((row) => (keys.has(row.key) ? fn(row) : row)));

  /** Deletes documents of cancelled uploads; a document already gone counts as deleted. */
  const deleteDocument = async (id: string) => {
    try {
      await api.del(`/documents/${id}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    onRemoved(id);
  };

  /** Sends `entries` as one request and settles their rows with its answer. */
  const send = async (entries: { key: string; file: File }[]) => {
    const keys = new Set(entries.map((entry) => entry.key));
    const sizes = entries.map((entry) => entry.file.size);
    const handle = uploadFiles<UploadResultDto>(
      entries.map((entry) => entry.file),
      (loaded, total) => {
        const values = perFileProgress(sizes, loaded, total);
        const byKey = new Map(entries.map((entry, index) => [entry.key, values[index]]));
        updateRows(keys, (row) =>
          row.state === 'uploading'
            ? { ...row, progress: Math.max(row.progress, byKey.get(row.key) ?? 0) }
            : row,
        );
      },
    );
    const flight: InFlight = { entries, handle };
    for (const key of keys) inFlight.current.set(key, flight);
    const outcome = await handle.result;
    for (const key of keys) {
      if (inFlight.current.get(key) === flight) inFlight.current.delete(key);
    }
    // aborted by a cancel, which settled the rows (and sent the rest again) itself
    if (outcome.aborted) return;

    const cancelled = new Set([...keys].filter((key) => cancelPending.current.has(key)));
    for (const key of cancelled) cancelPending.current.delete(key);
    const result = outcome.body;
    if (outcome.status === 202 || (outcome.status === 422 && result?.rejected)) {
      // decide each row's outcome here, outside the state updater (updaters must stay pure:
      // React may run one twice)
      const outcomes = settleRows(
        entries.map((entry) => ({ key: entry.key, name: entry.file.name })),
        result,
      );
      const doomed: string[] = [];
      for (const key of cancelled) {
        const id = outcomes.get(key)?.documentId;
        if (id) doomed.push(id);
      }
      updateRows(keys, (row) =>
        cancelled.has(row.key)
          ? { ...row, state: doomed.length > 0 ? 'cancelling' : 'cancelled', progress: 100 }
          : { ...row, progress: 100, ...(outcomes.get(row.key) ?? { state: 'accepted' }) },
      );
      const kept = (result?.accepted ?? []).filter((doc) => !doomed.includes(doc.id));
      if (kept.length > 0) onAccepted(kept);
      if (doomed.length > 0) {
        const settled = await Promise.allSettled(doomed.map((id) => deleteDocument(id)));
        const failure = settled.find((s) => s.status === 'rejected');
        updateRows(cancelled, (row) =>
          failure
            ? {
                ...row,
                state: 'failed',
                message: `could not cancel (${messageOf(failure.reason)})`,
              }
            : { ...row, state: 'cancelled' },
        );
      }
      return;
    }
    const message = outcome.error ? messageOf(outcome.error) : `Upload failed (${outcome.status})`;
    updateRows(keys, (row) =>
      cancelled.has(row.key)
        ? { ...row, state: 'cancelled' }
        : { ...row, state: 'failed', message },
    );
  };

  const startUpload = (files: File[]) => {
    if (files.length === 0) return;
    const batch = ++uploadCounter;
    const entries = files.map((file, index) => ({ key: `${batch}-${index}`, file }));
    const rows: UploadRow[] = entries.map(({ key, file }) => ({
      key,
      name: file.name,
      size: file.size,
      progress: 0,
      state: 'uploading',
    }));
    setUploads((current) => [...rows, ...current]);
    void send(entries);
  };

  const cancel = async (row: UploadRow) => {
    const only = new Set([row.key]);
    if (row.state === 'uploading') {
      const flight = inFlight.current.get(row.key);
      if (!flight) return;
      if (!flight.handle.abort()) {
        // the whole body is at the server: its answer says what to delete
        cancelPending.current.add(row.key);
        updateRows(only, (r) => ({ ...r, state: 'cancelling' }));
        return;
      }
      updateRows(only, (r) => ({ ...r, state: 'cancelled' }));
      // the other files of the request (not cancelled themselves) go again, without this one
      const rest = flight.entries.filter(
        (entry) => entry.key !== row.key && inFlight.current.get(entry.key) === flight,
      );
      for (const entry of flight.entries) inFlight.current.delete(entry.key);
      if (rest.length > 0) {
        updateRows(new Set(rest.map((entry) => entry.key)), (r) => ({ ...r, progress: 0 }));
        void send(rest);
      }
      return;
    }
    if (row.state === 'accepted' && row.documentId) {
      const id = row.documentId;
      updateRows(only, (r) => ({ ...r, state: 'cancelling' }));
      try {
        await deleteDocument(id);
        updateRows(only, (r) => ({ ...r, state: 'cancelled', message: undefined }));
      } catch (error) {
        updateRows(only, (r) => ({
          ...r,
          state: 'accepted',
          message: `Could not cancel: ${messageOf(error)}`,
        }));
      }
    }
  };

  // what a screen reader hears (DocumentsPage's live region): the uploads under way, then how
  // each file of the latest batch went; not every percent
  const summary = uploadSummary(uploads);
  useEffect(() => {
    if (summary) onAnnounce?.(summary);
  }, [summary]);

  const statusOf = (row: UploadRow) =>
    documents?.find((doc) => doc.id === row.documentId)?.status ?? row.documentStatus;
  const cancellable = (row: UploadRow) =>
    row.state === 'uploading' ||
    (row.state === 'accepted' &&
      row.documentId !== undefined &&
      CANCELLABLE.has(statusOf(row) ?? ''));

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    startUpload([...event.dataTransfer.files]);
  };

  return (
    <>
      {canUpload ? (
        <section className="upload-area" aria-label="Upload documents">
          {/* a button: Tab reaches it, Enter or Space opens the file picker; files dropped on it
              are uploaded too */}
          <button
            type="button"
            className={`dropzone${dragging ? ' dragging' : ''}`}
            data-testid="dropzone"
            onClick={() => input.current?.click()}
            onDragEnter={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragOver={(e) => {
              e.preventDefault();
              e.dataTransfer.dropEffect = 'copy';
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
          >
            <span className="dropzone-title">Drop files here, or choose files</span>
            <span className="dropzone-hint">PDF, Word, text, Markdown, HTML, CSV, JSON</span>
          </button>
          <input
            id="file-picker"
            ref={input}
            hidden
            type="file"
            multiple
            accept=".pdf,.docx,.txt,.md,.html,.htm,.csv,.json"
            onChange={(e) => {
              startUpload([...(e.target.files ?? [])]);
              e.target.value = '';
            }}
          />
        </section>
      ) : (
        <p className="muted" data-testid="upload-refused">
          Your role does not allow uploading documents.
        </p>
      )}

      {uploads.length > 0 ? (
        <section aria-label="Uploads" className="uploads">
          <h2>Uploads</h2>
          <ul>
            {uploads.map((row) => (
              <li
                key={row.key}
                className={`upload upload-${row.state}`}
                data-testid="upload-row"
                data-state={row.state}
              >
                <span className="upload-name">{row.name}</span>
                <span className="muted">{formatBytes(row.size)}</span>
                <ProgressBar value={row.progress} label={`Upload of ${row.name}`} />
                <span className="upload-state">
                  {row.state === 'uploading' ? `${Math.round(row.progress)}%` : null}
                  {row.state === 'accepted' ? 'Uploaded' : null}
                  {row.state === 'accepted' && row.message ? ` · ${row.message}` : null}
                  {row.state === 'rejected' ? `Rejected: ${row.message}` : null}
                  {row.state === 'failed' ? `Failed: ${row.message}` : null}
                  {row.state === 'cancelling' ? 'Cancelling…' : null}
                  {row.state === 'cancelled' ? 'Cancelled' : null}
                </span>
                {cancellable(row) ? (
                  <button
                    type="button"
                    className="link"
                    aria-label={`Cancel upload of ${row.name}`}
                    onClick={() => void cancel(row)}
                  >
                    Cancel
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="link"
            onClick={() =>
              setUploads((current) =>
                current.filter((row) => row.state === 'uploading' || row.state === 'cancelling'),
              )
            }
          >
            Clear finished uploads
          </button>
        </section>
      ) : null}
    </>
  );
}
