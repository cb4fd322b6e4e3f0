import { UUID_PATTERN } from '../uuid';
import { decodeCursor } from './pagination';

/** Where a page of a list ordered by a timestamp, then id (both descending), stopped. */
export interface TimeIdPosition {
  at: Date;
  id: string;
}

export interface TimeIdCursor {
  /** The cursor fields for the row a page ends with (what `toPage`'s `positionOf` returns). */
  position(at: Date, id: string): Record<string, string>;
  /** The position a client's cursor names; a 400 `invalid_cursor` when it is not one of ours. */
  decode(cursor: string): TimeIdPosition;
}

/**
 * The cursor of every "newest first" list (documents, notifications, users, audit events): an
 * ISO timestamp and a UUID under the list's own two field names, so cursors handed out before
 * this helper existed stay valid. Anything else (a third field, a date that does not round-trip,
 * an id that is not a UUID) is refused before it reaches SQL.
 */
export function timeIdCursor(timeField = 'createdAt', idField = 'id'): TimeIdCursor {
  const isPosition = (value: Record<string, unknown>): value is Record<string, string> => {
    const at = value[timeField];
    const id = value[idField];
    if (Object.keys(value).length !== 2 || typeof at !== 'string' || typeof id !== 'string') {
      return false;
    }
    const date = new Date(at);
    return !Number.isNaN(date.getTime()) && date.toISOString() === at && UUID_PATTERN.test(id);
  };
  return {
    position: (at, id) => ({ [timeField]: at.toISOString(), [idField]: id }),
    decode: (cursor) => {
      const value = decodeCursor(cursor, isPosition);
      return { at: new Date(value[timeField]), id: value[idField] };
    },
  };
}

/**
 * The keyset condition for the page after `position` in a newest-first list, as a MikroORM
 * filter: older rows, and rows of the same instant with a smaller id.
 */
export function olderThan(
  position: TimeIdPosition,
  timeField = 'createdAt',
): { $or: Record<string, unknown>[] } {
  return {
    $or: [
      { [timeField]: { $lt: position.at } },
      { [timeField]: position.at, id: { $lt: position.id } },
    ],
  };
}
