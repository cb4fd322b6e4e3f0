import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IncomingMessage } from 'node:http';
import type { TracingSettings } from '@docent/config';

/** Longest wait for the collector to take one batch of spans. */
export const EXPORT_TIMEOUT_MS = 10_000;
/** What a stopping process spends, at most, exporting the spans it still holds. */
export const TRACING_FLUSH_TIMEOUT_MS = 3000;

/** Probes and scrapes: a span each would drown the traces that matter. */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry tracing: spans for HTTP (server spans renamed by route template by
 * @docent/common, client spans for outgoing calls), PostgreSQL and Redis commands (only inside a
 * trace: the pool's and the queue's background polling makes none), Nest handlers, plus Docent's
 * own spans (jobs, ingestion stages, socket pushes, LLM calls) through `@opentelemetry/api`.
 * Exported as OTLP/JSON over HTTP in batches (the standard OTEL_BSP_* variables tune them).
 * Must run before pg, ioredis and http are first required: each app's first import does it.
 */
export function startTracing(settings: TracingSettings, serviceName: string): void {
  if (sdk) return;
  sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter({
      url: settings.tracesUrl,
      timeoutMillis: EXPORT_TIMEOUT_MS,
    }),
    // traces only: no OTLP metrics (Prometheus scrapes /metrics) and no OTLP logs (stdout)
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0]),
        // an outgoing call outside any request or job (the exporter's own, a health check) is no
        // trace of its own
        requireParentforOutgoingSpans: true,
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new NestInstrumentation(),
    ],
  });
  sdk.start();
}

/** Exports the spans still held and stops, waiting at most `timeoutMs`. */
export async function stopTracing(timeoutMs = TRACING_FLUSH_TIMEOUT_MS): Promise<void> {
  const running = sdk;
  sdk = undefined;
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
