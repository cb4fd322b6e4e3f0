import { parseSse, SseLineParser } from './sse-parser';

async function collect(pieces: (string | Uint8Array)[]): Promise<string[]> {
  async function* stream() {
    for (const piece of pieces) yield piece;
  }
  const events: string[] = [];
  for await (const event of parseSse(stream())) events.push(event);
  return events;
}

describe('parseSse', () => {
  it('yields the data of each event, ignoring comments and other fields', async () => {
    const events = await collect([
      ': keep-alive\n\n',
      'event: message\nid: 7\nretry: 100\ndata: {"a":1}\n\n',
      'data: [DONE]\n\n',
    ]);
    expect(events).toEqual(['{"a":1}', '[DONE]']);
  });

  it('joins multi-line data with newlines and strips one leading space only', async () => {
    expect(await collect(['data:  two spaces\ndata:none\n\n'])).toEqual([' two spaces\nnone']);
  });

  it('reassembles lines split anywhere across network chunks, with \\r\\n and \\r endings', async () => {
    const text = 'data: {"x":"héllo"}\r\n\r\ndata: second\r\rdata: third\n\n';
    const bytes = new TextEncoder().encode(text);
    // one byte at a time: splits inside the multi-byte é and between \r and \n
    const pieces = [...bytes].map((b) => Uint8Array.of(b));
    expect(await collect(pieces)).toEqual(['{"x":"héllo"}', 'second', 'third']);
  });

  it('delivers a last event that lacks its blank line when the stream ends', async () => {
    expect(await collect(['data: a\n\ndata: tail'])).toEqual(['a', 'tail']);
  });

  it('does not emit events for blank lines without data', async () => {
    const parser = new SseLineParser();
    expect(parser.push('\n\n\n')).toEqual([]);
    expect(parser.push('data: x\n')).toEqual([]);
    expect(parser.push('\n')).toEqual(['x']);
    expect(parser.end()).toEqual([]);
  });
});
