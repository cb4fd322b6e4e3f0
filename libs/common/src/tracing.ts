import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { redactUrl } from './logging/redact-url';

/**
 * The OpenTelemetry side of the shared HTTP and logging code. `@opentelemetry/api` is a no-op
 * until an SDK registers (OTEL_EXPORTER_OTLP_ENDPOINT, see @docent/telemetry), so these cost a
 * lookup when tracing is off.
 */

/** `trace_id` and `span_id` of the active span, for log lines; empty outside a trace. */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * Names the HTTP server span of the request in progress by its route template
 * (`POST /api/v1/documents`), so a trace never carries ids from the path in its name, and puts
 * the query in it the way the logs have it (values of unlisted parameters redacted: tokens
 * travel in queries too).
 */
export function nameServerSpan(method: string, route: string | undefined, url: string): void {
  const span = trace.getSpan(context.active());
  if (!span || !span.isRecording()) return;
  const query = url.indexOf('?');
  if (query >= 0) {
    const redacted = redactUrl(url);
    const at = redacted.indexOf('?');
    span.setAttribute('url.query', at >= 0 ? redacted.slice(at + 1) : '');
  }
  if (!route) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}
