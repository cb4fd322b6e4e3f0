/**
 * A FIFO of buffers that concatenates only when bytes are taken, so many small writes never cost
 * a copy of everything buffered so far.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The first `n` bytes without consuming them (`n` must not exceed `length`). */
  peek(n: number): Buffer {
    return this.read(n, false);
  }

  /** Removes and returns the first `n` bytes (`n` must not exceed `length`). */
  take(n: number): Buffer {
    return this.read(n, true);
  }

  private read(n: number, consume: boolean): Buffer {
    if (n > this.total) throw new RangeError(`cannot read ${n} of ${this.total} buffered bytes`);
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let index = 0;
    while (copied < n) {
      const chunk = this.chunks[index];
      const count = Math.min(chunk.length, n - copied);
      chunk.copy(out, copied, 0, count);
      copied += count;
      if (count === chunk.length) index += 1;
      else if (consume) this.chunks[index] = chunk.subarray(count);
    }
    if (consume) {
      this.chunks.splice(0, index);
      this.total -= n;
    }
    return out;
  }
}
