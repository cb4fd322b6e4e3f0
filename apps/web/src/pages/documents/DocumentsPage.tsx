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

export function DocumentsPage() {
  const { me } = useAuth();
  const toasts = useToasts();
  const [query, setQuery] = useState('');
  const [sharing, setSharing] = useState<DocumentDto | null>(null);
  const confirm = useConfirm();
  const queryRef = useRef(query);
  queryRef.current = query;

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
    // a document this list has not seen (uploaded elsewhere): reload, unless a name filter is on
    if (!known && !queryRef.current) void load();
    if (event.status === 'completed' || event.status === 'failed')
      void refreshOne(event.documentId);
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
      />

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
          empty={
            query ? 'No document matches your search.' : 'No documents yet. Upload some above.'
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
