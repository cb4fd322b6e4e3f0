import { type DragEvent, useEffect, useRef, useState } from 'react';
import { messageOf } from '../../api/errors';
import { uploadFiles } from '../../api/files';
import type { DocumentDto, UploadResultDto } from '../../api/openapi.gen';
import { ProgressBar } from '../../components/ui';
import { formatBytes } from '../../lib/format';
import { perFileProgress, settleRows } from './upload-queue';

interface UploadRow {
  key: string;
  name: string;
  size: number;
  progress: number;
  state: 'uploading' | 'accepted' | 'rejected' | 'failed';
  message?: string;
}

let uploadCounter = 0;

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
        : `${row.name} ${row.state}: ${row.message ?? ''}`,
    )
    .join(' ');
}

/** The drop zone and file picker (for those who may upload), and the progress of each upload. */
export function UploadSection({
  canUpload,
  onAccepted,
  onAnnounce,
}: {
  canUpload: boolean;
  onAccepted: (documents: DocumentDto[]) => void;
  onAnnounce?: (text: string) => void;
}) {
  const [uploads, setUploads] = useState<UploadRow[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const startUpload = async (files: File[]) => {
    if (files.length === 0) return;
    const batch = ++uploadCounter;
    const rows: UploadRow[] = files.map((file, index) => ({
      key: `${batch}-${index}`,
      name: file.name,
      size: file.size,
      progress: 0,
      state: 'uploading',
    }));
    setUploads((current) => [...rows, ...current]);
    const keys = new Set(rows.map((row) => row.key));
    const update = (fn: (row: UploadRow, index: number) => UploadRow) =>
      setUploads((current) =>
        current.map((row) =>
          keys.has(row.key)
            ? fn(
                row,
                rows.findIndex((r) => r.key === row.key),
              )
            : row,
        ),
      );
    const sizes = files.map((file) => file.size);
    const outcome = await uploadFiles<UploadResultDto>(files, (loaded, total) => {
      const values = perFileProgress(sizes, loaded, total);
      update((row, index) => ({ ...row, progress: Math.max(row.progress, values[index]) }));
    });
    const result = outcome.body;
    if (outcome.status === 202 || (outcome.status === 422 && result?.rejected)) {
      // decide each row's outcome here, outside the state updater (updaters must stay pure:
      // React may run one twice)
      const outcomes = settleRows(rows, result);
      update((row) => ({
        ...row,
        progress: 100,
        ...outcomes.get(row.key),
      }));
      if (result && result.accepted.length > 0) onAccepted(result.accepted);
      return;
    }
    const message = outcome.error ? messageOf(outcome.error) : `Upload failed (${outcome.status})`;
    update((row) => ({ ...row, state: 'failed', message }));
  };

  // what a screen reader hears (DocumentsPage's live region): the uploads under way, then how
  // each file of the latest batch went; not every percent
  const summary = uploadSummary(uploads);
  useEffect(() => {
    if (summary) onAnnounce?.(summary);
  }, [summary]);

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    void startUpload([...event.dataTransfer.files]);
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
              void startUpload([...(e.target.files ?? [])]);
              e.target.value = '';
            }}
          />
        </section>
      ) : null}

      {uploads.length > 0 ? (
        <section aria-label="Uploads" className="uploads">
          <h2>Uploads</h2>
          <ul>
            {uploads.map((row) => (
              <li key={row.key} className={`upload upload-${row.state}`} data-testid="upload-row">
                <span className="upload-name">{row.name}</span>
                <span className="muted">{formatBytes(row.size)}</span>
                <ProgressBar value={row.progress} label={`Upload of ${row.name}`} />
                <span className="upload-state">
                  {row.state === 'uploading' ? `${Math.round(row.progress)}%` : null}
                  {row.state === 'accepted' ? 'Uploaded' : null}
                  {row.state === 'rejected' ? `Rejected: ${row.message}` : null}
                  {row.state === 'failed' ? `Failed: ${row.message}` : null}
                </span>
              </li>
            ))}
          </ul>
          <button type="button" className="link" onClick={() => setUploads([])}>
            Clear finished uploads
          </button>
        </section>
      ) : null}
    </>
  );
}
