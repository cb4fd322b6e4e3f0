import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './errors';
import { askStreaming, readSse, type SseEvent } from './sse';

/** A byte stream that delivers `chunks` one read at a time (strings are UTF-8 encoded). */
function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      }
      controller.close();
    },
  });
}

async function collect(chunks: (string | Uint8Array)[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(streamOf(chunks))) events.push(event);
  return events;
}

describe('readSse', () => {
  it('reads events whose lines and fields are split across chunks', async () => {
    const events = await collect([
      'event: tok',
      'en\nda',
      'ta: {"text":"Hel',
      'lo"}\n',
      '\n',
      'data: second\n\n',
    ]);
    expect(events).toEqual([
      { event: 'token', data: '{"text":"Hello"}' },
      { event: 'message', data: 'second' },
    ]);
  });

  it('joins multi-line data with newlines and keeps a value without the space after the colon', async () => {
    expect(await collect(['data: one\ndata:two\ndata\n\n'])).toEqual([
      { event: 'message', data: 'one\ntwo\n' },
    ]);
  });

  it('ignores comment lines, unknown fields and events without data', async () => {
    const events = await collect([
      ': keep-alive\n\n',
      'id: 7\nretry: 1000\nevent: ping\n\n',
      ':comment\ndata: kept\n\n',
    ]);
    expect(events).toEqual([{ event: 'message', data: 'kept' }]);
  });

  it('resets the event name after each event', async () => {
    const events = await collect(['event: error\ndata: a\n\ndata: b\n\n']);
    expect(events.map((e) => e.event)).toEqual(['error', 'message']);
  });

  it('accepts CRLF and CR line endings, a CRLF split between two chunks included', async () => {
    // a CR that ends a chunk may be the first half of a CRLF: it is one line end, not two
    const events = await collect(['data: a\r', '\ndata: b\r\n\r', '\ndata: c\r\rdata: d\n\n']);
    expect(events).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'c' },
      { event: 'message', data: 'd' },
    ]);
  });

  it('ends an event on a blank line made of the CR the stream ends with', async () => {
    expect(await collect(['data: last\r', '\r'])).toEqual([{ event: 'message', data: 'last' }]);
  });

  it('decodes a multi-byte character split between two chunks', async () => {
    const bytes = new TextEncoder().encode('data: café\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    expect(await collect([bytes.slice(0, cut), bytes.slice(cut)])).toEqual([
      { event: 'message', data: 'café' },
    ]);
  });

  it('drops an event the stream ended in the middle of', async () => {
    expect(await collect(['data: done\n\ndata: cut off'])).toEqual([
      { event: 'message', data: 'done' },
    ]);
  });
});

describe('askStreaming', () => {
  afterEach(() => vi.unstubAllGlobals());

  const answerWith = (body: string) =>
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(streamOf([body]), {
            status: 200,
            headers: { 'Content-Type': 'text/event-stream' },
          }),
      ),
    );

  it('hands each token over as it arrives and resolves with the stored messages', async () => {
    const result = { userMessage: { id: 'u' }, assistantMessage: { id: 'a' } };
    answerWith(
      'event: token\ndata: {"text":"Hel"}\n\nevent: token\ndata: {"text":"lo"}\n\n' +
        `event: message\ndata: ${JSON.stringify(result)}\n\n`,
    );
    const tokens: string[] = [];
    await expect(askStreaming('s1', 'Hi?', (text) => tokens.push(text))).resolves.toEqual(result);
    expect(tokens).toEqual(['Hel', 'lo']);
    const [url, init] = vi.mocked(fetch).mock.calls[0];
    expect(url).toBe('/api/v1/chat/sessions/s1/messages');
    expect((init?.headers as Record<string, string>).Accept).toBe('text/event-stream');
  });

  it('rejects with the problem details of an error event', async () => {
    answerWith(
      'event: error\ndata: {"status":503,"title":"Service Unavailable","code":"llm_unavailable"}\n\n',
    );
    const failure = askStreaming('s1', 'Hi?', () => undefined);
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 503, code: 'llm_unavailable' });
  });

  it('rejects when the stream ends without the message event', async () => {
    answerWith('event: token\ndata: {"text":"Hel"}\n\n');
    await expect(askStreaming('s1', 'Hi?', () => undefined)).rejects.toThrow(/ended early/);
  });
});
