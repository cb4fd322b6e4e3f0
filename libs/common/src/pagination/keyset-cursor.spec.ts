import { AppError } from '../errors/app-error';
import { olderThan, timeIdCursor } from './keyset-cursor';
import { encodeCursor, toPage } from './pagination';

const AT = new Date('2026-12-04T10:00:00.123Z');
const ID = '0192f0c4-3b1e-7cc2-9a3e-3f1c2b4d5e6f';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('timeIdCursor', () => {
  it('round-trips the last row of a page under the list’s own field names', () => {
    const cursor = timeIdCursor('occurredAt');
    const page = toPage(
      [
        { at: AT, id: ID },
        { at: AT, id: ID },
      ],
      1,
      (row) => row.id,
      (row) => cursor.position(row.at, row.id),
    );
    expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString())).toEqual({
      occurredAt: AT.toISOString(),
      id: ID,
    });
    expect(cursor.decode(page.nextCursor!)).toEqual({ at: AT, id: ID });
  });

  it('reads cursors in the format the lists handed out before it (createdAt and id)', () => {
    const legacy = encodeCursor({ createdAt: AT.toISOString(), id: ID });
    expect(timeIdCursor().decode(legacy)).toEqual({ at: AT, id: ID });
  });

  it.each([
    ['another list’s fields', { occurredAt: AT.toISOString(), id: ID }],
    ['a third field', { createdAt: AT.toISOString(), id: ID, role: 'admin' }],
    ['a date that does not round-trip', { createdAt: '2026-12-04', id: ID }],
    ['not a date', { createdAt: 'yesterday', id: ID }],
    ['an id that is not a UUID', { createdAt: AT.toISOString(), id: "x' OR 1=1 --" }],
    ['a number for the time', { createdAt: AT.getTime(), id: ID }],
  ])('refuses %s with 400 invalid_cursor', (_name, position) => {
    expect(refusal(() => timeIdCursor().decode(encodeCursor(position)))).toMatchObject({
      status: 400,
      code: 'invalid_cursor',
    });
    expect(refusal(() => timeIdCursor().decode(encodeCursor(position)))).toBeInstanceOf(AppError);
  });
});

describe('olderThan', () => {
  it('selects older rows and, at the same instant, smaller ids', () => {
    expect(olderThan({ at: AT, id: ID }, 'occurredAt')).toEqual({
      $or: [{ occurredAt: { $lt: AT } }, { occurredAt: AT, id: { $lt: ID } }],
    });
  });
});
