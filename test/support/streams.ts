import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';

/**
 * A source of `total` bytes made on demand in chunks of `chunkSize` (never all held: the memory
 * tests stream tens of MB through it), each chunk a little different from the last, and the
 * SHA-256 of everything it sent, for comparing with what arrived.
 */
export function generatedSource(
  total: number,
  chunkSize: number,
): { source: Readable; sha256: () => string } {
  const block = randomBytes(chunkSize);
  const hash = createHash('sha256');
  let sent = 0;
  const source = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const chunk = Buffer.from(block.subarray(0, Math.min(chunkSize, total - sent)));
      chunk[0] = sent & 0xff; // vary the content between chunks
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { source, sha256: () => hash.digest('hex') };
}

/** A sink that only counts and hashes what reaches it, so a large stream is never held. */
export function hashingSink(): { sink: Writable; received: () => number; sha256: () => string } {
  const hash = createHash('sha256');
  let received = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      hash.update(chunk);
      callback();
    },
  });
  return { sink, received: () => received, sha256: () => hash.digest('hex') };
}
