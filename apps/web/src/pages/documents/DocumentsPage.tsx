import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { messageOf } from '../../api/errors';
import type { DocumentDto, DocumentPageDto } from '../../api/openapi.gen';
import { ListState, LoadMore, SearchInput, useConfirm } from '../../components/ui';
import { can, useAuth } from '../../lib/auth';
import { useSocketEvent } from '../../lib/realtime';
import { useToasts } from '../../lib/toasts';
import { usePagedList } from '../../lib/usePagedList';
import { ContentSearch } from './ContentSearch';
import { DocumentTable } from './DocumentTable';
import { ShareDialog } from './ShareDialog';
import { UploadSection } from './UploadSection';

/** What the live region says when a document's ingestion moves on. */
function ingestionSentence(filename: string, status: string, stage: string): string {
  if (status === 'completed') return `${filename} is ready.`;
  if (status === 'failed') return `${filename} could not be processed.`;
  if (status === 'processing') return `${filename}: ${stage}…`;
  return `${filename} is ${status}.`;
}

export function DocumentsPage() {
  const { me } = useAuth();
  const toasts = useToasts();
  const [query, setQuery] = useState('');
  const [sharing, setSharing] = useState<DocumentDto | null>(null);
  const confirm = useConfirm();
  const queryRef = useRef(query);
  queryRef.current = query;
  // the polite live region of the page: uploads (UploadSection) and ingestion, in a sentence
  const [announcement, setAnnouncement] = useState('');

  const {
    items,
    setItems,
    cursor,
    error: loadError,
    load,
  } = usePagedList(
    (after) =>
      api.get<DocumentPageDto>('/documents', { q: query || undefined, cursor: after, limit: 50 }),
    [query],
    { auto: false },
  );

  // the name filter is debounced while typing
  useEffect(() => {
    const timer = setTimeout(() => void load(), query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [load, query]);

  const refreshOne = useCallback(async (id: string, announce = false) => {
    try {
      const doc = await api.get<DocumentDto>(`/documents/${id}`);
      setItems((current) => current?.map((item) => (item.id === id ? doc : item)) ?? current);
      if (announce) setAnnouncement(ingestionSentence(doc.filename, doc.status, doc.stage));
    } catch {
      // gone: the next list load drops it
    }
  }, []);

  const itemsRef = useRef(items);
  itemsRef.current = items;

  useSocketEvent('ingestion.progress', (event) => {
    const before = itemsRef.current?.find((item) => item.id === event.documentId);
    const known = before !== undefined;
    const finished = event.status === 'completed' || event.status === 'failed';
    // the end is announced once the document is fetched (refreshOne): it may be new to this list
    if (before && !finished && (before.status !== event.status || before.stage !== event.stage)) {
      setAnnouncement(ingestionSentence(before.filename, event.status, event.stage));
    }
    setItems(
      (current) =>
        current?.map((item) => {
          if (item.id !== event.documentId) return item;
          // progress only moves forward, even when events arrive out of order
          const progress = Math.max(item.progress, event.progress);
          return { ...item, status: event.status, stage: event.stage, progress };
        }) ?? current,
    );
    // a document this list has not seen (uploaded elsewhere): reload, unless a name filter is on
    if (!known && !queryRef.current) void load();
    if (finished) void refreshOne(event.documentId, true);
  });

  const accepted = (documents: DocumentDto[]) =>
    setItems((current) => {
      const ids = new Set(documents.map((doc) => doc.id));
      return [...documents, ...(current ?? []).filter((doc) => !ids.has(doc.id))];
    });

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
    // optimistic: the row goes at once, and comes back where it was if the api refuses
    const index = itemsRef.current?.findIndex((item) => item.id === doc.id) ?? -1;
    setItems((current) => current?.filter((item) => item.id !== doc.id) ?? current);
    try {
      await api.del(`/documents/${doc.id}`);
      toasts.show({ tone: 'success', title: `Deleted ${doc.filename}` });
    } catch (error) {
      setItems((current) => {
        if (!current || current.some((item) => item.id === doc.id)) return current;
        const at = index < 0 ? 0 : Math.min(index, current.length);
        return [...current.slice(0, at), doc, ...current.slice(at)];
      });
      toasts.show({
        tone: 'error',
        title: `Could not delete ${doc.filename}`,
        body: messageOf(error),
      });
    }
  };

  // what the role allows (custom roles too), not its name
  const canUpload = can(me?.permissions, 'create', 'Document');
  const removed = (id: string) =>
    setItems((current) => current?.filter((item) => item.id !== id) ?? current);

  return (
    <div className="page">
      <header className="page-header">
        <h1>Documents</h1>
      </header>

      <UploadSection
        canUpload={canUpload}
        documents={items}
        onAccepted={accepted}
        onRemoved={removed}
        onAnnounce={setAnnouncement}
      />
      <p
        className="visually-hidden"
        role="status"
        aria-live="polite"
        data-testid="upload-announcer"
      >
        {announcement}
      </p>

      <section aria-label="Your documents">
        <div className="toolbar">
          <SearchInput
            label="Search documents"
            placeholder="Search documents by name…"
            value={query}
            onValue={setQuery}
          />
        </div>
        <ListState
          error={loadError}
          items={items}
          loading="Loading documents…"
          empty={query ? 'No document matches your search.' : 'No documents yet.'}
          emptyHint={
            query
              ? 'Try another part of the name, or clear the search.'
              : canUpload
                ? 'Upload PDFs, Word files or text with the button above (or drop them on it), then ask about them in Chat.'
                : 'Documents shared with you will appear here.'
          }
        >
          {(items) => (
            <DocumentTable
              items={items}
              onRetry={(doc) => void reingest(doc)}
              onShare={setSharing}
              onDelete={(doc) => void remove(doc)}
            />
          )}
        </ListState>
        <LoadMore cursor={cursor} load={load} />
      </section>
      <ContentSearch />
      <ShareDialog doc={sharing} onClose={() => setSharing(null)} />
      {confirm.element}
    </div>
  );
}
