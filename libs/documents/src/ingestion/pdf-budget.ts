import * as zlib from 'node:zlib';
import { ExtractionError } from './errors';
import { type ExtractionLimits } from './types';

const STREAM = Buffer.from('stream', 'latin1');
const END_STREAM = Buffer.from('endstream', 'latin1');
const FLATE_NAMES = [Buffer.from('/FlateDecode', 'latin1'), Buffer.from('/Fl', 'latin1')];
/** Bytes before a `stream` keyword searched for its dictionary's filter, at most. */
const DICTIONARY_WINDOW = 64 * 1024;
/** The inflater's output chunk: the bytes are counted and dropped, never kept. */
const INFLATE_CHUNK = 256 * 1024;

/**
 * A PDF's decoded-bytes budget, checked before pdf.js sees the file: every Flate-compressed
 * stream (`/FlateDecode` among its filters) is inflated, its output counted and dropped, and the
 * check stops with `limit_exceeded` as soon as the streams together pass `maxDecodedBytes`. So a
 * small PDF whose stream inflates to gigabytes (pdf.js would hold all of it in memory) fails
 * fast, permanently, having used a few hundred KB. A stream is the bytes between `stream` and
 * the next `endstream` (the declared /Length is not trusted); data that is not valid zlib counts
 * what inflated before the error (pdf.js decides whether the file is readable). One pass over
 * the file plus the inflation itself; the returned total is what was counted.
 */
export async function checkPdfDecodedBytes(
  content: Uint8Array,
  limits: Pick<ExtractionLimits, 'maxDecodedBytes'>,
): Promise<number> {
  const pdf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  let total = 0;
  let previousEnd = 0;
  let at = pdf.indexOf(STREAM, 0);
  while (at >= 0) {
    const isEnd = at >= 3 && pdf.toString('latin1', at - 3, at) === 'end';
    const dataStart = dataStartAfter(pdf, at + STREAM.length);
    if (isEnd || dataStart < 0) {
      at = pdf.indexOf(STREAM, at + STREAM.length);
      continue;
    }
    let end = pdf.indexOf(END_STREAM, dataStart);
    if (end < 0) end = pdf.length;
    const dictionary = pdf.subarray(Math.max(previousEnd, at - DICTIONARY_WINDOW), at);
    if (FLATE_NAMES.some((name) => dictionary.includes(name))) {
      total += await inflatedBytes(pdf.subarray(dataStart, end), limits.maxDecodedBytes - total);
      if (total > limits.maxDecodedBytes) {
        throw new ExtractionError(
          'limit_exceeded',
          `The PDF's compressed streams decode to more than ${megabytes(limits.maxDecodedBytes)} MB.`,
        );
      }
    }
    previousEnd = Math.min(end + END_STREAM.length, pdf.length);
    at = pdf.indexOf(STREAM, previousEnd);
  }
  return total;
}

/** After the `stream` keyword comes CRLF or LF (CR alone is tolerated): where the data begins. */
function dataStartAfter(pdf: Buffer, after: number): number {
  if (pdf[after] === 0x0d) return pdf[after + 1] === 0x0a ? after + 2 : after + 1;
  if (pdf[after] === 0x0a) return after + 1;
  return -1;
}

/**
 * How many bytes `data` inflates to, counting up to just past `budget` (then it stops). Tolerates
 * truncated data; stops at the first error.
 */
function inflatedBytes(data: Buffer, budget: number): Promise<number> {
  return new Promise((resolve) => {
    const inflate = zlib.createInflate({
      chunkSize: INFLATE_CHUNK,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    let total = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inflate.destroy();
      resolve(total);
    };
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > budget) finish();
    });
    inflate.once('end', finish);
    inflate.once('error', finish);
    inflate.once('close', finish);
    inflate.end(data);
  });
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toLocaleString('en', { maximumFractionDigits: 1 });
}
