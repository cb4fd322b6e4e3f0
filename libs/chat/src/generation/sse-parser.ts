/**
 * Server-sent events parsing (the subset OpenAI-compatible endpoints use): bytes in, one string
 * per event out (its `data:` lines joined with "\n"). Lines may end in \n, \r\n or \r and may be
 * split anywhere across network chunks (including inside a multi-byte character); comments
 * (`:`) and other fields (`event:`, `id:`, `retry:`) are ignored; an event ends at a blank line,
 * and a last event without its blank line is still delivered when the stream ends.
 */
export async function* parseSse(
  stream: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const parser = new SseLineParser();
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    yield* parser.push(text);
  }
  yield* parser.push(decoder.decode());
  yield* parser.end();
}

/** Incremental line-oriented state of `parseSse`. */
export class SseLineParser {
  private buffer = '';
  private data: string[] = [];
  private pendingCr = false;

  /** Feeds text; returns the events it completed. */
  push(text: string): string[] {
    const events: string[] = [];
    let input = text;
    if (this.pendingCr && input.startsWith('\n')) input = input.slice(1);
    this.pendingCr = false;
    this.buffer += input;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // a lone \r at the very end may be the first half of \r\n: wait for more
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.pendingCr = true;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  /** The stream ended: a pending line and an event without its blank line are delivered. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer) {
      const event = this.line(this.buffer);
      this.buffer = '';
      if (event !== undefined) events.push(event);
    }
    if (this.data.length > 0) {
      events.push(this.data.join('\n'));
      this.data = [];
    }
    return events;
  }

  private line(line: string): string | undefined {
    if (line === '') {
      if (this.data.length === 0) return undefined;
      const event = this.data.join('\n');
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    return undefined;
  }
}
