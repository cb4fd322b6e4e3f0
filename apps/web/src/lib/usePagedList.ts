import {
  type DependencyList,
  type Dispatch,
  type SetStateAction,
  useCallback,
  useEffect,
  useState,
} from 'react';
import type { Page } from '../api/extra-types';

export interface PagedList<T> {
  /** null until the first page arrives (then [] on an error, so the page shows what it has) */
  items: T[] | null;
  /** for changes the page makes itself or hears about on the socket */
  setItems: Dispatch<SetStateAction<T[] | null>>;
  /** the next page's cursor; null on the last page */
  cursor: string | null;
  error: unknown;
  /** Loads the first page (replacing the items), or with a cursor the next one (appended). */
  load: (after?: string) => Promise<void>;
}

/**
 * A cursor-paginated list (SPEC.md §3: `items` and `nextCursor`). `fetchPage` is recreated with
 * `deps` (the filters); the first page loads on mount and whenever they change, unless `auto` is
 * false (the documents page debounces its search itself).
 */
export function usePagedList<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  deps: DependencyList,
  { auto = true }: { auto?: boolean } = {},
): PagedList<T> {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async (after?: string) => {
    setError(null);
    try {
      const page = await fetchPage(after);
      setItems((current) => (after && current ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
      setItems((current) => current ?? []);
    }
  }, deps);

  useEffect(() => {
    if (auto) void load();
  }, [load, auto]);

  return { items, setItems, cursor, error, load };
}
