import { type DragEvent, type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api, download, messageOf, uploadFiles } from '../api/client';
import type {
  DocumentDto,
  SearchHitDto,
  ShareDto,
  ShareRequestedDto,
  UploadResultDto,
} from '../api/openapi.gen';
import type { Page } from '../api/extra-types';
import {
  Dialog,
  Empty,
  Field,
  ProblemAlert,
  ProgressBar,
  Spinner,
  fieldErrors,
  useConfirm,
} from '../components/ui';
import { useAuth } from '../lib/auth';
import { formatBytes, formatDate } from '../lib/format';
import { useSocketEvent } from '../lib/realtime';
import { useToasts } from '../lib/toasts';

interface UploadRow {
  key: string;
  name: string;
  size: number;
  progress: number;
  state: 'uploading' | 'accepted' | 'rejected' | 'failed';
  message?: string;
}

const STATUS_LABEL: Record<string, string> = {
  queued: 'queued',
  processing: 'processing',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

let uploadCounter = 0;

/** Splits the bytes sent of one multipart body across its files, in order. */
function perFileProgress(sizes: number[], loaded: number, total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0) || 1;
  const sent = (loaded / (total || 1)) * sum;
  let start = 0;
  return sizes.map((size) => {
    const value = size === 0 ? (sent >= start ? 100 : 0) : ((sent - start) / size) * 100;
    start += size;
    return Math.max(0, Math.min(99, value));
  });
}

export function DocumentsPage() {
  const { me } = useAuth();
  const toasts = useToasts();
  const [items, setItems] = useState<DocumentDto[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [query, setQuery] = useState('');
  const [uploads, setUploads] = useState<UploadRow[]>([]);
  const [dragging, setDragging] = useState(false);
  const [sharing, setSharing] = useState<DocumentDto | null>(null);
  const confirm = useConfirm();
  const input = useRef<HTMLInputElement>(null);
  const queryRef = useRef(query);
  queryRef.current = query;

  const load = useCallback(async (q: string, after?: string) => {
    setLoadError(null);
    try {
      const page = await api.get<Page<DocumentDto>>('/documents', {
        q: q || undefined,
        cursor: after,
        limit: 50,
      });
      setItems((current) => (after && current ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (error) {
      setLoadError(error);
      setItems((current) => current ?? []);
    }
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => void load(query), query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [load, query]);

  const refreshOne = useCallback(async (id: string) => {
    try {
      const doc = await api.get<DocumentDto>(`/documents/${id}`);
      setItems((current) => current?.map((item) => (item.id === id ? doc : item)) ?? current);
    } catch {
      // gone: the next list load drops it
    }
  }, []);

  const itemsRef = useRef(items);
  itemsRef.current = items;

  useSocketEvent('ingestion.progress', (event) => {
    const known = itemsRef.current?.some((item) => item.id === event.documentId) ?? false;
    setItems(
      (current) =>
        current?.map((item) => {
          if (item.id !== event.documentId) return item;
          // progress only moves forward, even when events arrive out of order
          const progress = Math.max(item.progress, event.progress);
          return { ...item, status: event.status, stage: event.stage, progress };
        }) ?? current,
    );
    if (!known && !queryRef.current) void load('');
    if (event.status === 'completed' || event.status === 'failed')
      void refreshOne(event.documentId);
  });

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
      const rejected = [...(result?.rejected ?? [])];
      const outcomes = new Map<string, Pick<UploadRow, 'state' | 'message'>>();
      for (const row of rows) {
        const index = rejected.findIndex((r) => r.filename === row.name);
        if (index < 0) continue;
        const [rejection] = rejected.splice(index, 1);
        outcomes.set(row.key, { state: 'rejected', message: rejection.message });
      }
      // rejections whose (sanitised) name matched no row go to rows no accepted document matches
      const acceptedNames = new Set((result?.accepted ?? []).map((doc) => doc.filename));
      for (const row of rows) {
        if (rejected.length === 0) break;
        if (outcomes.has(row.key) || acceptedNames.has(row.name)) continue;
        outcomes.set(row.key, { state: 'rejected', message: rejected.shift()!.message });
      }
      update((row) => ({
        ...row,
        progress: 100,
        ...(outcomes.get(row.key) ?? { state: 'accepted' }),
      }));
      if (result && result.accepted.length > 0) {
        setItems((current) => {
          const ids = new Set(result.accepted.map((doc) => doc.id));
          return [...result.accepted, ...(current ?? []).filter((doc) => !ids.has(doc.id))];
        });
      }
      return;
    }
    const message = outcome.error ? messageOf(outcome.error) : `Upload failed (${outcome.status})`;
    update((row) => ({ ...row, state: 'failed', message }));
  };

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    void startUpload([...event.dataTransfer.files]);
  };

  const reingest = async (doc: DocumentDto) => {
    try {
      await api.post(`/documents/${doc.id}/reingest`);
      setItems(
        (current) =>
          current?.map((item) =>
            item.id === doc.id
              ? { ...item, status: 'queued', stage: 'validating', progress: 0, error: null }
              : item,
          ) ?? current,
      );
    } catch (error) {
      toasts.show({
        tone: 'error',
        title: `Could not retry ${doc.filename}`,
        body: messageOf(error),
      });
    }
  };

  const remove = async (doc: DocumentDto) => {
    const ok = await confirm.ask(
      `Delete ${doc.filename}?`,
      'The file, its index and its shares are removed. This cannot be undone.',
    );
    if (!ok) return;
    try {
      await api.del(`/documents/${doc.id}`);
      setItems((current) => current?.filter((item) => item.id !== doc.id) ?? current);
      toasts.show({ tone: 'success', title: `Deleted ${doc.filename}` });
    } catch (error) {
      toasts.show({
        tone: 'error',
        title: `Could not delete ${doc.filename}`,
        body: messageOf(error),
      });
    }
  };

  const canUpload = me?.role !== 'viewer';

  return (
    <div className="page">
      <header className="page-header">
        <h1>Documents</h1>
      </header>

      {canUpload ? (
        <section
          className={`dropzone${dragging ? ' dragging' : ''}`}
          aria-label="Upload documents"
          data-testid="dropzone"
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
          <p>Drop files here (PDF, Word, text, Markdown, HTML, CSV, JSON), or</p>
          <label className="button primary" htmlFor="file-picker">
            Choose files
          </label>
          <input
            id="file-picker"
            ref={input}
            className="visually-hidden"
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

      <section aria-label="Your documents">
        <div className="toolbar">
          <label htmlFor="doc-search" className="visually-hidden">
            Search documents
          </label>
          <input
            id="doc-search"
            type="search"
            placeholder="Search documents by name…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        {loadError ? <ProblemAlert error={loadError} /> : null}
        {items === null ? (
          <Spinner label="Loading documents…" />
        ) : items.length === 0 ? (
          <Empty>
            {query ? 'No document matches your search.' : 'No documents yet. Upload some above.'}
          </Empty>
        ) : (
          <table className="documents">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((doc) => (
                <tr key={doc.id} data-testid="document-row" data-status={doc.status}>
                  <th scope="row">
                    <span className="doc-name">{doc.filename}</span>
                    <small className="muted">
                      {formatBytes(doc.sizeBytes)}
                      {doc.pageCount
                        ? ` · ${doc.pageCount} page${doc.pageCount === 1 ? '' : 's'}`
                        : ''}
                      {doc.ownerId !== me?.id ? ' · shared with you' : ''}
                    </small>
                  </th>
                  <td>
                    <span className={`badge status-${doc.status}`}>{STATUS_LABEL[doc.status]}</span>
                    {doc.status === 'processing' && doc.stage ? (
                      <small className="muted"> {doc.stage}</small>
                    ) : null}
                    {doc.status === 'failed' && doc.error ? (
                      <p className="doc-error" role="note">
                        {doc.error.message}
                      </p>
                    ) : null}
                  </td>
                  <td className="progress-cell">
                    <ProgressBar value={doc.progress} label={`Ingestion of ${doc.filename}`} />
                    <span>{doc.progress}%</span>
                  </td>
                  <td>{formatDate(doc.createdAt)}</td>
                  <td className="row-actions">
                    {doc.status === 'failed' ? (
                      <button type="button" onClick={() => void reingest(doc)}>
                        Retry
                      </button>
                    ) : null}
                    <button
                      type="button"
                      onClick={() =>
                        void download(`/documents/${doc.id}/content`, doc.filename).catch((e) =>
                          toasts.show({
                            tone: 'error',
                            title: 'Download failed',
                            body: messageOf(e),
                          }),
                        )
                      }
                      aria-label={`Download ${doc.filename}`}
                    >
                      Download
                    </button>
                    {doc.ownerId === me?.id || me?.role === 'admin' ? (
                      <>
                        <button
                          type="button"
                          onClick={() => setSharing(doc)}
                          aria-label={`Share ${doc.filename}`}
                        >
                          Share
                        </button>
                        <button
                          type="button"
                          className="danger"
                          onClick={() => void remove(doc)}
                          aria-label={`Delete ${doc.filename}`}
                        >
                          Delete
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {cursor ? (
          <button type="button" onClick={() => void load(query, cursor)}>
            Load more
          </button>
        ) : null}
      </section>
      <ContentSearch />
      <ShareDialog doc={sharing} onClose={() => setSharing(null)} />
      {confirm.element}
    </div>
  );
}

function ShareDialog({ doc, onClose }: { doc: DocumentDto | null; onClose: () => void }) {
  const [shares, setShares] = useState<ShareDto[] | null>(null);
  const [email, setEmail] = useState('');
  const [permission, setPermission] = useState<'read' | 'write'>('read');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!doc) return;
    setShares(null);
    setError(null);
    setNotice(null);
    setEmail('');
    api
      .get<Page<ShareDto>>(`/documents/${doc.id}/shares`)
      .then((page) => setShares(page.items))
      .catch((e: unknown) => {
        setError(e);
        setShares([]);
      });
  }, [doc]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!doc) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      // the answer is the same whether or not the address has an account: the list says who
      // actually has access
      const sent = await api.post<ShareRequestedDto>(`/documents/${doc.id}/shares`, {
        email,
        permission,
      });
      setShares((await api.get<Page<ShareDto>>(`/documents/${doc.id}/shares`)).items);
      setNotice(`If ${sent.email} has a Docent account, it now has access.`);
      setEmail('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (share: ShareDto) => {
    if (!doc) return;
    try {
      await api.del(`/documents/${doc.id}/shares/${share.userId}`);
      setShares((current) => current?.filter((s) => s.userId !== share.userId) ?? current);
    } catch (e) {
      setError(e);
    }
  };

  const fields = fieldErrors(error);
  return (
    <Dialog title={doc ? `Share ${doc.filename}` : 'Share'} open={doc !== null} onClose={onClose}>
      <form onSubmit={(e) => void add(e)} noValidate>
        <ProblemAlert error={error} />
        {notice ? (
          <div role="status" className="alert alert-success">
            {notice}
          </div>
        ) : null}
        <Field
          label="E-mail of the person"
          type="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fields.email}
        />
        <div className="field">
          <label htmlFor="share-permission">Permission</label>
          <select
            id="share-permission"
            value={permission}
            onChange={(e) => setPermission(e.target.value as 'read' | 'write')}
          >
            <option value="read">Can read</option>
            <option value="write">Can edit</option>
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Share
        </button>
      </form>
      <h3>People with access</h3>
      {shares === null ? (
        <Spinner />
      ) : shares.length === 0 ? (
        <Empty>Not shared with anyone.</Empty>
      ) : (
        <ul className="shares">
          {shares.map((share) => (
            <li key={share.userId}>
              <span>
                {share.displayName} &lt;{share.email}&gt; — {share.permission}
              </span>
              <button
                type="button"
                onClick={() => void revoke(share)}
                aria-label={`Stop sharing with ${share.email}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** The search service marks matches with « »: shown as <mark>. */
function Snippet({ text }: { text: string }) {
  const parts = text.split(/«|»/);
  return (
    <span>
      {parts.map((part, index) => (index % 2 === 1 ? <mark key={index}>{part}</mark> : part))}
    </span>
  );
}

/** Full-text search over the passages of every document the caller can read. */
function ContentSearch() {
  const toasts = useToasts();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<SearchHitDto[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const search = async (event: FormEvent) => {
    event.preventDefault();
    if (!q.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setHits(
        (await api.get<{ items: SearchHitDto[] }>('/search', { q: q.trim(), limit: 20 })).items,
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="content-search-heading" className="content-search">
      <h2 id="content-search-heading">Full-text search</h2>
      <form className="toolbar" role="search" onSubmit={(e) => void search(e)}>
        <label htmlFor="content-search" className="visually-hidden">
          Search inside documents
        </label>
        <input
          id="content-search"
          type="search"
          placeholder="Words or a question…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      {error ? <ProblemAlert error={error} /> : null}
      {busy ? <Spinner label="Searching…" /> : null}
      {hits && !busy ? (
        hits.length === 0 ? (
          <Empty>Nothing found.</Empty>
        ) : (
          <ul className="hits">
            {hits.map((hit) => (
              <li key={hit.chunkId}>
                <button
                  type="button"
                  className="chip"
                  onClick={() =>
                    void download(`/documents/${hit.documentId}/content`, hit.filename).catch((e) =>
                      toasts.show({
                        tone: 'error',
                        title: 'Could not download',
                        body: messageOf(e),
                      }),
                    )
                  }
                >
                  {hit.page ? `${hit.filename}, p. ${hit.page}` : hit.filename}
                </button>{' '}
                <Snippet text={hit.snippet} />
              </li>
            ))}
          </ul>
        )
      ) : null}
    </section>
  );
}
