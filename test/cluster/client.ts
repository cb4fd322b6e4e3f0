import { randomBytes } from 'node:crypto';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The api instance that answered (HAProxy's `X-Served-By`), '' when none did. */
  servedBy: string;
}

export interface UploadFile {
  name: string;
  content: Buffer | string;
}

/**
 * An HTTP client of the load balancer that connects from its own loopback address (127.0.0.0/8
 * all reaches the local host): HAProxy appends that address to X-Forwarded-For, so each client
 * is a different "IP" for the api's per-IP limits and audit log, as real clients would be. Keeps
 * its connections alive, like a browser: requests on one connection are still balanced one by
 * one (no stickiness).
 */
export class Client {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    readonly address = '127.0.0.1',
  ) {
    this.agent = new Agent({ keepAlive: true, localAddress: address });
  }

  send(
    method: string,
    path: string,
    options: {
      token?: string;
      json?: unknown;
      headers?: Record<string, string>;
      body?: Buffer;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string | number> = { ...options.headers };
    let payload = options.body;
    if (options.json !== undefined) {
      payload = Buffer.from(JSON.stringify(options.json));
      headers['content-type'] = 'application/json';
    }
    if (payload) headers['content-length'] = payload.length;
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const url = new URL(path, this.baseUrl);
    return new Promise<Answer>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const type = String(res.headers['content-type'] ?? '');
            let body: unknown = text;
            if (type.includes('json') && text) body = JSON.parse(text);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              servedBy: String(res.headers['x-served-by'] ?? ''),
            });
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(path: string, token?: string) {
    return this.send('GET', path, { token });
  }

  post(path: string, json: unknown, token?: string) {
    return this.send('POST', path, { json, token });
  }

  /** POST /api/v1/documents, multipart, every file as `files`. */
  upload(files: UploadFile[], token: string) {
    const boundary = `----docent-${randomBytes(8).toString('hex')}`;
    const parts: Buffer[] = [];
    for (const file of files) {
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\n` +
            'Content-Type: text/plain\r\n\r\n',
        ),
        Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
        Buffer.from('\r\n'),
      );
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return this.send('POST', '/api/v1/documents', {
      token,
      body: Buffer.concat(parts),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
