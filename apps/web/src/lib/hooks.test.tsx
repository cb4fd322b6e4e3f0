import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { Page } from '../api/extra-types';
import { useLoad } from './useLoad';
import { usePagedList } from './usePagedList';

/** A promise settled by the test. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useLoad', () => {
  it('loads on mount, keeps the error of a failed load, and loads again on reload', async () => {
    const load = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValueOnce('fresh');
    const { result } = renderHook(() => useLoad(load, []));
    expect(result.current.data).toBeNull();
    await waitFor(() => expect(result.current.error).toEqual(new Error('down')));
    await act(() => result.current.reload());
    expect(result.current.error).toBeNull();
    expect(result.current.data).toBe('fresh');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('loads again when its dependencies change', async () => {
    const { result, rerender } = renderHook(({ id }) => useLoad(async () => `doc ${id}`, [id]), {
      initialProps: { id: 1 },
    });
    await waitFor(() => expect(result.current.data).toBe('doc 1'));
    rerender({ id: 2 });
    await waitFor(() => expect(result.current.data).toBe('doc 2'));
  });
});

describe('usePagedList', () => {
  const page = (items: string[], nextCursor: string | null): Page<string> => ({
    items,
    nextCursor,
  });

  it('loads the first page on mount and appends the next one by its cursor', async () => {
    const fetchPage = vi.fn(async (cursor: string | undefined) =>
      cursor === 'c2' ? page(['c', 'd'], null) : page(['a', 'b'], 'c2'),
    );
    const { result } = renderHook(() => usePagedList(fetchPage, []));
    expect(result.current.items).toBeNull();
    await waitFor(() => expect(result.current.items).toEqual(['a', 'b']));
    expect(result.current.cursor).toBe('c2');
    await act(() => result.current.load('c2'));
    expect(result.current.items).toEqual(['a', 'b', 'c', 'd']);
    expect(result.current.cursor).toBeNull();
    expect(fetchPage.mock.calls).toEqual([[undefined], ['c2']]);
  });

  it('replaces the items when the filters change', async () => {
    const { result, rerender } = renderHook(
      ({ filter }) => usePagedList(async () => page([filter], null), [filter]),
      { initialProps: { filter: 'all' } },
    );
    await waitFor(() => expect(result.current.items).toEqual(['all']));
    rerender({ filter: 'unread' });
    await waitFor(() => expect(result.current.items).toEqual(['unread']));
  });

  it('shows an empty list with the error when the first page fails, and keeps loaded items on a later failure', async () => {
    const next = deferred<Page<string>>();
    const fetchPage = vi
      .fn<(cursor: string | undefined) => Promise<Page<string>>>()
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValueOnce(page(['a'], 'c2'))
      .mockReturnValueOnce(next.promise);
    const { result } = renderHook(() => usePagedList(fetchPage, []));
    await waitFor(() => expect(result.current.error).toEqual(new Error('down')));
    expect(result.current.items).toEqual([]);
    await act(() => result.current.load());
    expect(result.current.items).toEqual(['a']);
    expect(result.current.error).toBeNull();
    const more = result.current.load('c2');
    next.reject(new Error('again'));
    await act(() => more);
    expect(result.current.items).toEqual(['a']);
    expect(result.current.error).toEqual(new Error('again'));
  });

  it('waits to be asked when auto is off', async () => {
    const fetchPage = vi.fn(async () => page(['a'], null));
    const { result } = renderHook(() => usePagedList(fetchPage, [], { auto: false }));
    await act(async () => undefined);
    expect(fetchPage).not.toHaveBeenCalled();
    expect(result.current.items).toBeNull();
    await act(() => result.current.load());
    expect(result.current.items).toEqual(['a']);
  });
});
