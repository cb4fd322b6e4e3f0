import { AppError } from '../errors/app-error';
import { decodeCursor, encodeCursor, toPage } from './pagination';

const isPosition = (v: Record<string, unknown>): v is { createdAt: string; id: string } =>
  typeof v.createdAt === 'string' && typeof v.id === 'string';

describe('cursor pagination helpers', () => {
  it('round-trips a keyset position through an opaque cursor', () => {
    const cursor = encodeCursor({ createdAt: '2026-11-26T00:00:00.000Z', id: 'x' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, isPosition)).toEqual({
      createdAt: '2026-11-26T00:00:00.000Z',
      id: 'x',
    });
  });

  it.each([
    'not-base64-json',
    encodeCursor({ other: 1 }),
    Buffer.from('[1,2]').toString('base64url'),
  ])('refuses a malformed or foreign cursor %p with a 400 field error', (cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor, isPosition);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({
      status: 400,
      code: 'invalid_cursor',
      errors: [{ field: 'cursor' }],
    });
  });

  it('uses the extra row only to know that a next page exists', () => {
    const rows = [1, 2, 3].map((n) => ({ id: `id${n}`, createdAt: `t${n}` }));
    const page = toPage(
      rows,
      2,
      (r) => r.id,
      (r) => ({ id: r.id, createdAt: r.createdAt }),
    );
    expect(page.items).toEqual(['id1', 'id2']);
    expect(decodeCursor(page.nextCursor as string, isPosition)).toEqual({
      id: 'id2',
      createdAt: 't2',
    });
    expect(
      toPage(
        rows.slice(0, 2),
        2,
        (r) => r.id,
        (r) => r,
      ).nextCursor,
    ).toBeNull();
  });
});
