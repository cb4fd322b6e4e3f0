import type { FastifyReply } from 'fastify';

/** Comment lines keep proxies and load balancers from closing a quiet stream. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * A Server-Sent Events response written on the raw Node response after `reply.hijack()`. The
 * headers Fastify hooks already put on the reply (X-Request-Id, helmet's security headers, CORS,
 * rate-limit headers) are copied over, since a hijacked reply skips Fastify's own send.
 */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly reply: FastifyReply) {
    const inherited: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value === undefined || name === 'content-length' || name === 'content-type') continue;
      inherited[name] = Array.isArray(value) ? value.map(String) : String(value);
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      ...inherited,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    reply.raw.flushHeaders();
    this.heartbeat = setInterval(() => this.comment('ping'), SSE_HEARTBEAT_MS);
    this.heartbeat.unref();
    reply.raw.once('close', () => this.stop());
  }

  /** `event: <name>` with one JSON `data:` line (JSON never contains a raw newline). */
  send(event: string, data: unknown): void {
    if (this.closed || this.reply.raw.destroyed) return;
    this.reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    if (this.closed || this.reply.raw.destroyed) return;
    this.reply.raw.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.stop();
    if (!this.reply.raw.destroyed) this.reply.raw.end();
  }

  private stop(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
  }
}
