import { useCallback, useEffect, useState } from 'react';

/** One resource loaded on mount and again when `deps` change; `reload` for a refresh button. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async () => {
    setError(null);
    try {
      setData(await load());
    } catch (e) {
      setError(e);
    }
  }, deps);
  useEffect(() => {
    void run();
  }, [run]);
  return { data, error, reload: run, setData };
}
