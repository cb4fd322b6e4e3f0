import { describe, expect, it } from 'vitest';
import type { DocumentDto, UploadRejectionDto } from '../../api/openapi.gen';
import { perFileProgress, settleRows } from './upload-queue';

describe('perFileProgress', () => {
  it('fills the files of one body in order', () => {
    // 100 + 300 bytes; a body of 800 bytes (multipart framing included), half of it sent
    expect(perFileProgress([100, 300], 400, 800)).toEqual([99, 33.33333333333333]);
    expect(perFileProgress([100, 300], 100, 800)).toEqual([50, 0]);
    expect(perFileProgress([100, 300], 0, 800)).toEqual([0, 0]);
  });

  it('never shows a file complete before the answer', () => {
    expect(perFileProgress([100, 300], 800, 800)).toEqual([99, 99]);
  });

  it('copes with empty files and an unknown total', () => {
    expect(perFileProgress([0, 10], 0, 0)).toEqual([99, 0]);
    expect(perFileProgress([0], 0, 0)).toEqual([99]);
  });
});

const rejection = (filename: string, message: string): UploadRejectionDto => ({
  filename,
  code: 'duplicate',
  message,
});
const accepted = (filename: string) => ({ filename }) as DocumentDto;

describe('settleRows', () => {
  const rows = [
    { key: 'a', name: 'report.pdf' },
    { key: 'b', name: 'notes.txt' },
    { key: 'c', name: 'report.pdf' },
  ];

  it('gives each rejection to the first row of its name, and accepts the rest', () => {
    const outcomes = settleRows(rows, {
      accepted: [accepted('notes.txt'), accepted('report.pdf')],
      rejected: [rejection('report.pdf', 'Already uploaded')],
    });
    expect(Object.fromEntries(outcomes)).toEqual({
      a: { state: 'rejected', message: 'Already uploaded' },
      b: { state: 'accepted' },
      c: { state: 'accepted' },
    });
  });

  it('gives a rejection under a sanitised name to a row no accepted document matches', () => {
    const outcomes = settleRows(
      [
        { key: 'a', name: 'ok.txt' },
        { key: 'b', name: 'we<ird>.pdf' },
      ],
      { accepted: [accepted('ok.txt')], rejected: [rejection('we_ird_.pdf', 'Not a PDF')] },
    );
    expect(outcomes.get('a')).toEqual({ state: 'accepted' });
    expect(outcomes.get('b')).toEqual({ state: 'rejected', message: 'Not a PDF' });
  });

  it('rejects both rows of one name when both are rejected', () => {
    const outcomes = settleRows(rows, {
      accepted: [accepted('notes.txt')],
      rejected: [rejection('report.pdf', 'one'), rejection('report.pdf', 'two')],
    });
    expect(outcomes.get('a')).toEqual({ state: 'rejected', message: 'one' });
    expect(outcomes.get('c')).toEqual({ state: 'rejected', message: 'two' });
    expect(outcomes.get('b')).toEqual({ state: 'accepted' });
  });

  it('accepts every row of an answer without a body', () => {
    expect([...settleRows(rows, null).values()]).toEqual([
      { state: 'accepted' },
      { state: 'accepted' },
      { state: 'accepted' },
    ]);
  });
});
