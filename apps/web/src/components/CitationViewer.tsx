import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../api/client';
import type { PassageDto } from '../api/openapi.gen';
import { documentContent, useDownload } from '../lib/useDownload';
import { useLoad } from '../lib/useLoad';
import { ProblemAlert, Spinner } from './ui';

/** What a citation chip or a search hit opens: a chunk of a document. */
export interface PassageTarget {
  documentId: string;
  chunkId: string;
  filename: string;
}

/**
 * A side panel (modal <dialog>) with the document's extracted text around a chunk, the chunk
 * marked, Previous/Next by one chunk and the file's download (never opened in a tab). Focus moves
 * to its Close button; Escape or Close closes it and focus goes back to whatever opened it.
 */
function CitationViewer({ target, onClose }: { target: PassageTarget; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const markedRef = useRef<HTMLParagraphElement>(null);
  const previousRef = useRef<HTMLButtonElement>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const download = useDownload();
  const [chunkId, setChunkId] = useState(target.chunkId);
  const passage = useLoad(
    () => api.get<PassageDto>(`/documents/${target.documentId}/chunks/${chunkId}`, { around: 1 }),
    [target.documentId, chunkId],
  );

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    closeRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);

  const data = passage.data;
  // until the chunk asked for has answered, what is shown (if anything) is the previous one
  const current = data?.chunks.find((chunk) => chunk.cited);
  const loading = !passage.error && current?.id !== chunkId;
  const filename = data?.filename ?? target.filename;
  const shown = loading ? null : current?.id;

  // the marked passage is scrolled into view (with a few lines of context above it) when it changes;
  // a keyboard user who reached the first or last chunk (its button now disabled) keeps the focus
  // in the panel, on the other way
  useEffect(() => {
    if (!shown) return;
    markedRef.current?.scrollIntoView({ block: 'start' });
    if (!ref.current?.contains(document.activeElement)) {
      const other = [nextRef.current, previousRef.current].find((button) => !button?.disabled);
      (other ?? closeRef.current)?.focus();
    }
  }, [shown]);

  return (
    <dialog
      ref={ref}
      className="side-panel"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClose={onClose}
    >
      <header className="side-panel-header">
        <h2 id={titleId}>{filename}</h2>
        <button ref={closeRef} type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <p className="passage-position">
        {current && !loading ? (
          <>
            {current.page ? <span className="passage-page">Page {current.page}</span> : null}
            <span>
              Passage {current.index + 1} of {data?.chunkCount}
            </span>
          </>
        ) : null}
      </p>
      {passage.error ? <ProblemAlert error={passage.error} /> : null}
      {loading ? <Spinner label="Loading the passage…" /> : null}
      {data && current && !loading ? (
        <div className="passage-text">
          {data.chunks.map((chunk) =>
            chunk.cited ? (
              <p key={chunk.id} ref={markedRef} className="passage-cited">
                <mark>{chunk.content}</mark>
              </p>
            ) : (
              <p key={chunk.id} className="passage-context">
                {chunk.content}
              </p>
            ),
          )}
        </div>
      ) : null}
      <div className="actions">
        <button
          ref={previousRef}
          type="button"
          disabled={!data?.previousChunkId}
          onClick={() => !loading && data?.previousChunkId && setChunkId(data.previousChunkId)}
        >
          Previous passage
        </button>
        <button
          ref={nextRef}
          type="button"
          disabled={!data?.nextChunkId}
          onClick={() => !loading && data?.nextChunkId && setChunkId(data.nextChunkId)}
        >
          Next passage
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => download(documentContent(target.documentId), filename)}
        >
          Download
        </button>
      </div>
    </dialog>
  );
}

/** `open(target)` shows the viewer; `element` is rendered once by the page that uses it. */
export function useCitationViewer() {
  const [target, setTarget] = useState<PassageTarget | null>(null);
  const element = target ? (
    <CitationViewer
      key={`${target.documentId}/${target.chunkId}`}
      target={target}
      onClose={() => setTarget(null)}
    />
  ) : null;
  return { open: setTarget, element };
}
