import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** The body of a request, gunzipped when it says so. */
async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const body = Buffer.concat(parts);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** One error event as the tracker received it (the `event` item of an envelope). */
export interface ReceivedEvent {
  event_id?: string;
  environment?: string;
  release?: string;
  tags?: Record<string, string>;
  user?: Record<string, unknown>;
  request?: Record<string, unknown>;
  exception?: { values?: { type?: string; value?: string }[] };
  [key: string]: unknown;
}

export interface EnvelopeServer {
  /** `http://publickey@127.0.0.1:<port>/1` */
  dsn: string;
  port: number;
  /** Every envelope body received, raw (to prove no secret reached the tracker). */
  raw: string[];
  /** The `event` items received, in order. */
  events: ReceivedEvent[];
  close(): Promise<void>;
}

/**
 * A Sentry-protocol (envelope) server, what Sentry and GlitchTip ingest: `POST /api/<project>/
 * envelope/`, newline-separated JSON (the envelope header, then per item its header and payload).
 */
export async function startEnvelopeServer(port = 0): Promise<EnvelopeServer> {
  const raw: string[] = [];
  const events: ReceivedEvent[] = [];
  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      if (req.method === 'POST' && /^\/api\/\d+\/envelope\/?/.test(req.url ?? '')) {
        const text = body.toString('utf8');
        raw.push(text);
        const lines = text.split('\n');
        for (let i = 1; i + 1 < lines.length; i += 2) {
          const header = JSON.parse(lines[i]) as { type?: string };
          if (header.type === 'event') events.push(JSON.parse(lines[i + 1]) as ReceivedEvent);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const listening = port === 0 ? await listen(server) : await listenOn(server, port);
  return {
    dsn: `http://publickey@127.0.0.1:${listening}/1`,
    port: listening,
    raw,
    events,
    close: () => closeServer(server),
  };
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(port));
  });
}

/** One span as an OTLP/JSON export carries it, with the service that sent it. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: { key: string; value: OtlpValue }[];
      }[];
    }[];
  }[];
}

const valueOf = (value: OtlpValue): unknown =>
  value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;

const attributesOf = (list: { key: string; value: OtlpValue }[] | undefined) =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));

export interface OtlpReceiver {
  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to (`/v1/traces` is appended). */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Content types of the export requests (the exporter must speak JSON). */
  contentTypes: string[];
  close(): Promise<void>;
}

/** An OTLP/HTTP trace receiver (JSON encoding), like a collector's `otlp` receiver. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      const payload = JSON.parse(body.toString('utf8')) as OtlpJson;
      for (const resourceSpans of payload.resourceSpans ?? []) {
        const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () => closeServer(server),
  };
}
