import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * W3C trace context (`traceparent`, `tracestate`) as a job carries it in its data, so the worker's
 * spans continue the trace of the request that queued the job.
 */
export type TraceCarrier = Record<string, string>;

const tracer = trace.getTracer('docent.queue');

/**
 * The trace context of the active span as job data, or undefined outside a trace (or when
 * tracing is off: the API's propagator is then a no-op).
 */
export function traceCarrier(active: Context = context.active()): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(active, carrier);
  return typeof carrier.traceparent === 'string' ? carrier : undefined;
}

/** The context a job's carrier continues (the root context when it carries none). */
export function contextOf(carrier: unknown): Context {
  if (carrier === null || typeof carrier !== 'object') return ROOT_CONTEXT;
  const fields: TraceCarrier = {};
  for (const [key, value] of Object.entries(carrier as Record<string, unknown>)) {
    // only strings: job data is JSON anyone with Redis access could have written
    if (typeof value === 'string' && value.length <= 512) fields[key] = value;
  }
  return propagation.extract(ROOT_CONTEXT, fields);
}

/** Ends `span` with the error recorded (an exception event and an error status). */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

export interface JobSpanInfo {
  queue: string;
  jobName: string;
  jobId: string;
  attempt: number;
  carrier: unknown;
  attributes?: Attributes;
}

/**
 * Runs a job's processing in a consumer span (`<queue> process`) that continues the trace of
 * whoever queued it; the span ends with the job and records its failure.
 */
export function runJobInSpan<T>(job: JobSpanInfo, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `${job.queue} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'bull',
        'messaging.operation.type': 'process',
        'messaging.destination.name': job.queue,
        'messaging.message.id': job.jobId,
        'docent.job.name': job.jobName,
        'docent.job.attempt': job.attempt,
        ...job.attributes,
      },
    },
    contextOf(job.carrier),
    async (span) => {
      try {
        return await work();
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs one step of a job (extract, chunk, index…) in a child span of the active one. */
export function inSpan<T>(
  name: string,
  work: () => Promise<T>,
  attributes?: Attributes,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
