import {
  REMOVE_FILE_BACKOFF_BASE_MS,
  REMOVE_FILE_BACKOFF_MAX_MS,
  removeFileBackoffMs,
} from './storage-cleanup';

describe('removeFileBackoffMs', () => {
  it('starts at the base and doubles with each failed attempt', () => {
    expect([1, 2, 3, 4].map(removeFileBackoffMs)).toEqual([
      REMOVE_FILE_BACKOFF_BASE_MS,
      REMOVE_FILE_BACKOFF_BASE_MS * 2,
      REMOVE_FILE_BACKOFF_BASE_MS * 4,
      REMOVE_FILE_BACKOFF_BASE_MS * 8,
    ]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(removeFileBackoffMs(10)).toBe(REMOVE_FILE_BACKOFF_MAX_MS);
    expect(removeFileBackoffMs(10_000)).toBe(REMOVE_FILE_BACKOFF_MAX_MS);
  });

  it('treats a row that was never attempted like a first attempt', () => {
    expect(removeFileBackoffMs(0)).toBe(REMOVE_FILE_BACKOFF_BASE_MS);
  });
});
