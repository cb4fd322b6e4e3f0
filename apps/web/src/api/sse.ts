import { rawRequest } from './client';
import { ApiError } from './errors';
import type { AskResultDto } from './openapi.gen';
import type { ProblemDetails } from './extra-types';

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits a text/event-stream into events (WHATWG HTML §9.2.6): blank line ends an event, `data:`
 * lines are joined with newlines, comment lines (`:`) are ignored.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  try {
    for (let done = false; !done;) {
      const chunk = await reader.read();
      done = chunk.done;
      buffer += done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // a CR that ends the input so far may be the first half of a CRLF split between two
        // chunks: one line end, not two (the second would end the event early)
        if (!done && newline === buffer.length - 1 && buffer.endsWith('\r')) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { event, data: data.join('\n') };
          event = 'message';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Asks a question with `Accept: text/event-stream`: `onToken` gets each piece of the answer as
 * it arrives; resolves with both stored messages (`message` event), rejects with the problem
 * details of an `error` event.
 */
export async function askStreaming(
  sessionId: string,
  content: string,
  onToken: (text: string) => void,
  signal?: AbortSignal,
): Promise<AskResultDto> {
  const response = await rawRequest('POST', `/chat/sessions/${sessionId}/messages`, {
    body: { content },
    headers: { Accept: 'text/event-stream' },
    signal,
  });
  if (!response.body) throw new Error('The answer stream is empty.');
  for await (const { event, data } of readSse(response.body)) {
    if (event === 'token') onToken((JSON.parse(data) as { text: string }).text);
    else if (event === 'message') return JSON.parse(data) as AskResultDto;
    else if (event === 'error') throw new ApiError(JSON.parse(data) as ProblemDetails);
  }
  throw new Error('The answer stream ended early.');
}
