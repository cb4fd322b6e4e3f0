// The bookkeeping of one batch upload, kept apart from the component so it can be tested: how the
// bytes sent of one multipart body split across its files, and which row each rejection is about.

import type { DocumentDto, UploadResultDto } from '../../api/openapi.gen';

/** A file of a batch as the upload list shows it (its key is unique on the page). */
export interface QueuedFile {
  key: string;
  name: string;
}

export interface RowOutcome {
  state: 'accepted' | 'rejected';
  message?: string;
  /** the document an accepted row became, when the answer names it */
  documentId?: string;
  /** its status in the answer (the documents list knows the live one) */
  documentStatus?: DocumentDto['status'];
}

/**
 * Splits the bytes sent of one multipart body across its files, in order, as percentages. A file
 * is never shown complete (at most 99) before the server has answered.
 */
export function perFileProgress(sizes: number[], loaded: number, total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0) || 1;
  const sent = (loaded / (total || 1)) * sum;
  let start = 0;
  return sizes.map((size) => {
    const value = size === 0 ? (sent >= start ? 100 : 0) : ((sent - start) / size) * 100;
    start += size;
    return Math.max(0, Math.min(99, value));
  });
}

/**
 * Each row's outcome from the api's answer: a rejection goes to the row of that name (first one
 * first, for two files of one name); a rejection whose (sanitised) name matches no row goes to a
 * row no accepted document matches either; every other row was accepted, and gets the accepted
 * document of its name, else the next unclaimed one in order (the cancel button deletes it).
 */
export function settleRows(
  rows: QueuedFile[],
  result: Pick<UploadResultDto, 'accepted' | 'rejected'> | null,
): Map<string, RowOutcome> {
  const rejected = [...(result?.rejected ?? [])];
  const outcomes = new Map<string, RowOutcome>();
  for (const row of rows) {
    const index = rejected.findIndex((r) => r.filename === row.name);
    if (index < 0) continue;
    const [rejection] = rejected.splice(index, 1);
    outcomes.set(row.key, { state: 'rejected', message: rejection.message });
  }
  const accepted = [...(result?.accepted ?? [])];
  const acceptedNames = new Set(accepted.map((doc) => doc.filename));
  for (const row of rows) {
    if (rejected.length === 0) break;
    if (outcomes.has(row.key) || acceptedNames.has(row.name)) continue;
    outcomes.set(row.key, { state: 'rejected', message: rejected.shift()!.message });
  }
  const take = (doc: DocumentDto | undefined) =>
    doc ? accepted.splice(accepted.indexOf(doc), 1)[0] : undefined;
  const accept = (doc: DocumentDto | undefined): RowOutcome =>
    doc
      ? { state: 'accepted', documentId: doc.id, documentStatus: doc.status }
      : { state: 'accepted' };
  const unnamed: QueuedFile[] = [];
  for (const row of rows) {
    if (outcomes.has(row.key)) continue;
    const doc = take(accepted.find((d) => d.filename === row.name));
    if (doc) outcomes.set(row.key, accept(doc));
    else unnamed.push(row);
  }
  for (const row of unnamed) outcomes.set(row.key, accept(take(accepted[0])));
  return outcomes;
}
