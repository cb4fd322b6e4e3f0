import { UUID_PATTERN, uuidv7 } from './uuid';

describe('uuidv7', () => {
  it('produces RFC 9562 version 7 ids carrying the timestamp', () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const id = uuidv7(now);
    expect(id).toMatch(UUID_PATTERN);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(now);
  });

  it('is strictly increasing within one millisecond and across many calls', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7(1_800_000_000_000));
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
