import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import type { SearchHitDto, SearchResultDto } from '../../api/openapi.gen';
import { Empty, ProblemAlert, SearchInput, Skeleton } from '../../components/ui';
import { useCitationViewer } from '../../components/CitationViewer';

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
export function ContentSearch() {
  const viewer = useCitationViewer();
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
      setHits((await api.get<SearchResultDto>('/search', { q: q.trim(), limit: 20 })).items);
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
        <SearchInput
          label="Search inside documents"
          placeholder="Words or a question…"
          value={q}
          onValue={setQ}
        />
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      {error ? <ProblemAlert error={error} /> : null}
      {busy ? <Skeleton label="Searching…" rows={2} /> : null}
      {hits && !busy ? (
        hits.length === 0 ? (
          <Empty hint="Try other words, or fewer of them. Only documents that finished processing are searched.">
            Nothing found.
          </Empty>
        ) : (
          <ul className="hits">
            {hits.map((hit) => (
              <li key={hit.chunkId}>
                <button
                  type="button"
                  className="chip"
                  aria-haspopup="dialog"
                  onClick={() =>
                    viewer.open({
                      documentId: hit.documentId,
                      chunkId: hit.chunkId,
                      filename: hit.filename,
                    })
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
      {viewer.element}
    </section>
  );
}
