import { requestIdFor } from './request-id';

describe('requestIdFor', () => {
  it('echoes a sane caller id', () => {
    expect(requestIdFor({ headers: { 'x-request-id': 'abc-123_DEF.9:z' } })).toBe(
      'abc-123_DEF.9:z',
    );
  });

  it.each([
    ['with spaces', 'two words'],
    ['with control characters', 'abc\r\nSet-Cookie: x'],
    ['too long', 'a'.repeat(129)],
    ['empty', ''],
  ])('replaces one %s with a fresh UUIDv7', (_case, header) => {
    const id = requestIdFor({ headers: { 'x-request-id': header } });
    expect(id).not.toBe(header);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('mints one when absent', () => {
    expect(requestIdFor({ headers: {} })).toMatch(/^[0-9a-f-]{36}$/);
  });
});
