import { afterEach, describe, expect, it, vi } from 'vitest';
import { connection, retryDelayMs } from './connection';

afterEach(() => {
  connection.set('ok');
  connection.setSocket('ok');
});

describe('connection', () => {
  it('is unavailable while either the api or the live socket is, and says so once per change', () => {
    const heard: string[] = [];
    const unsubscribe = connection.subscribe((state) => heard.push(state));
    connection.set('unavailable');
    connection.setSocket('unavailable');
    connection.set('ok');
    expect(connection.current).toBe('unavailable');
    connection.setSocket('ok');
    expect(connection.current).toBe('ok');
    unsubscribe();
    expect(heard).toEqual(['unavailable', 'ok']);
  });
});

describe('retryDelayMs', () => {
  it('doubles from half a second up to 8 s, never sooner than Retry-After, with jitter below 250 ms', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 3, 4, 5, 9].map((attempt) => retryDelayMs(attempt, null))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
    expect(retryDelayMs(0, '5')).toBe(5_000);
    expect(retryDelayMs(4, '2')).toBe(8_000);
    // an HTTP date or nonsense is no hint
    expect(retryDelayMs(0, 'Wed, 21 Oct 2026 07:28:00 GMT')).toBe(500);
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    expect(retryDelayMs(0, null)).toBe(749);
  });
});
