import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** The request never got a complete answer: refused, reset, cut mid-body, or timed out. */
export class ConnectionError extends Error {
  constructor(
    readonly code: string,
    /** The status line had arrived (e.g. an SSE stream cut half-way). */
    readonly status = 0,
    /** What had arrived of the body. */
    readonly partial = '',
  ) {
    super(code);
  }
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: Buffer;
  /** Writes the body in pieces of this size, pausing `slowDelayMs` between them. */
  slowChunkBytes?: number;
  slowDelayMs?: number;
  timeoutMs?: number;
  /** Called as soon as the request is on the wire (and after each body piece). */
  onProgress?: (sentBytes: number) => void;
  /** Called for each chunk of the answer's body as it arrives (SSE). */
  onData?: (text: string) => void;
}

/**
 * A plain HTTP/1.1 request on a connection of its own (no keep-alive pool: a killed instance's
 * sockets never leak into the next request). Resolves with the complete answer; rejects with a
 * ConnectionError when the exchange did not finish.
 */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const body =
    options.json !== undefined ? Buffer.from(JSON.stringify(options.json)) : options.body;
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  if (body) headers['content-length'] = String(body.length);
  return new Promise<Reply>((resolve, reject) => {
    let settled = false;
    let status = 0;
    let text = '';
    const fail = (code: string) => {
      if (settled) return;
      settled = true;
      reject(new ConnectionError(code, status, text));
    };
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers, agent: false },
      (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          options.onData?.(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status, headers: res.headers, text });
        });
        res.on('aborted', () => fail('aborted'));
        res.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
      },
    );
    req.setTimeout(options.timeoutMs ?? 20_000, () => {
      fail('timeout');
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    req.on('close', () => {
      // the socket closed before the answer ended (the 'end' listener settles first otherwise)
      setImmediate(() => fail(status ? 'aborted' : 'closed'));
    });
    if (!body) {
      req.end();
      return;
    }
    const size = options.slowChunkBytes;
    if (!size) {
      req.end(body);
      return;
    }
    void (async () => {
      for (let offset = 0; offset < body.length; offset += size) {
        if (settled || req.destroyed) return;
        req.write(body.subarray(offset, offset + size));
        options.onProgress?.(Math.min(offset + size, body.length));
        await new Promise((r) => setTimeout(r, options.slowDelayMs ?? 20));
      }
      if (!req.destroyed) req.end();
    })();
  });
}

/** A multipart/form-data body with one `files` part. */
export function multipart(filename: string, content: Buffer, contentType = 'text/plain') {
  const boundary = `----chaos${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${filename}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, content, tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** The events of an SSE body, in order (`event:` name and parsed `data:`). */
export function parseSse(text: string): { event: string; data: unknown }[] {
  const events: { event: string; data: unknown }[] = [];
  for (const block of text.split('\n\n')) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) continue;
    try {
      events.push({ event, data: JSON.parse(data.join('\n')) });
    } catch {
      events.push({ event, data: data.join('\n') });
    }
  }
  return events;
}
