import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import * as Sentry from '@sentry/node';
import { type IncomingMessage, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  type ErrorReporter,
  type JobFailureReport,
  type RequestErrorReport,
  setErrorReporter,
} from '@docent/common/error-reporter';
import type { ErrorTrackingSettings } from '@docent/config';

/** Longest wait for the tracker to answer one envelope; a dead or slow tracker costs no more. */
export const SEND_TIMEOUT_MS = 5000;
/** What a stopping process spends, at most, sending the events still queued. */
export const FLUSH_TIMEOUT_MS = 2000;

const REDACTED = '[redacted]';

/** Keys whose values never leave the process, however deep in an event. */
const SECRET_KEYS =
  /password|passphrase|token|secret|authorization|cookie|api[-_]?key|credential|session|dsn|email|e-mail/i;
/** `Bearer …` credentials inside free text (error messages). */
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** What separates words of an error message (SQL errors quote values: `(email)=(a@b.c)`). */
const SEPARATORS = /([\s<>()[\]{}"'`,;=]+)/;

/** `local@domain.tld`: one `@`, something before it, a dot inside the part after it. */
function looksLikeEmail(word: string): boolean {
  const at = word.indexOf('@');
  const dot = word.lastIndexOf('.');
  return at > 0 && at === word.lastIndexOf('@') && dot > at + 1 && dot < word.length - 1;
}

/** Free text with credentials and e-mail addresses replaced. */
export function scrubText(text: string): string {
  return text
    .replace(BEARER, `$1 ${REDACTED}`)
    .split(SEPARATORS)
    .map((word) => (looksLikeEmail(word) ? REDACTED : word))
    .join('');
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 8) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
      key,
      SECRET_KEYS.test(key) ? REDACTED : scrubValue(inner, depth + 1),
    ]),
  );
}

/**
 * What of an event may leave the process (`beforeSend`): no request headers, cookies, body, query
 * or environment (the request is only its method and path), the user only as an id, no
 * breadcrumbs, secret-looking keys redacted in tags, contexts and extras, credentials and e-mail
 * addresses cut from messages.
 */
export function scrubEvent<E extends Sentry.Event>(event: E): E {
  if (event.request) {
    const { method, url } = event.request;
    event.request = {
      method,
      url: typeof url === 'string' ? url.split('?')[0] : undefined,
    };
  }
  if (event.user) event.user = event.user.id === undefined ? {} : { id: event.user.id };
  delete event.breadcrumbs;
  if (event.tags) event.tags = scrubValue(event.tags, 0) as E['tags'];
  if (event.extra) event.extra = scrubValue(event.extra, 0) as E['extra'];
  if (event.contexts) event.contexts = scrubValue(event.contexts, 0) as E['contexts'];
  if (event.message) event.message = scrubText(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = scrubText(exception.value);
    for (const frame of exception.stacktrace?.frames ?? []) delete frame.vars;
  }
  return event;
}

type NodeTransportOptions = Parameters<typeof Sentry.makeNodeTransport>[0];
type HttpModule = NonNullable<NodeTransportOptions['httpModule']>;

/**
 * Node's http/https, with every envelope request bounded by SEND_TIMEOUT_MS (the SDK's agent only
 * times idle sockets out) and outside any trace (not a span of the request that failed).
 */
function boundedHttpModule(timeoutMs: number): HttpModule {
  return {
    request(options, callback) {
      const secure =
        typeof options === 'object' && !(options instanceof URL) && options.protocol === 'https:';
      const send: typeof httpRequest = secure ? httpsRequest : httpRequest;
      const req = context.with(suppressTracing(context.active()), () =>
        send(options as RequestOptions, callback as ((res: IncomingMessage) => void) | undefined),
      );
      req.setTimeout(timeoutMs, () =>
        req.destroy(new Error(`the error tracker did not answer within ${timeoutMs} ms`)),
      );
      return req;
    },
  };
}

function activeTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  const spanContext = span?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** Reports to the initialised Sentry client: ids and route templates as tags, nothing else. */
class SentryReporter implements ErrorReporter {
  constructor(private readonly app: string) {}

  requestFailed(report: RequestErrorReport): void {
    Sentry.withScope((scope) => {
      scope.setTags({
        app: this.app,
        request_id: report.requestId,
        'http.method': report.method,
        'http.route': report.route ?? 'unmatched',
        'http.status_code': String(report.status),
      });
      const traceId = activeTraceId();
      if (traceId) scope.setTag('trace_id', traceId);
      if (report.userId) scope.setUser({ id: report.userId });
      scope.setTransactionName(`${report.method} ${report.route ?? 'unmatched'}`);
      Sentry.captureException(report.error);
    });
  }

  jobFailed(report: JobFailureReport): void {
    Sentry.withScope((scope) => {
      scope.setTags({
        app: this.app,
        queue: report.queue,
        job_name: report.jobName,
        job_id: report.jobId,
        attempts: String(report.attemptsMade),
      });
      if (report.documentId) scope.setTag('document_id', report.documentId);
      if (report.requestId) scope.setTag('request_id', report.requestId);
      const traceId = activeTraceId();
      if (traceId) scope.setTag('trace_id', traceId);
      scope.setTransactionName(`${report.queue} ${report.jobName}`);
      Sentry.captureException(report.error);
    });
  }
}

/**
 * Starts error tracking (errors only: no Sentry tracing, no OpenTelemetry set-up of its own, so
 * it never competes with our NodeSDK) and registers it as the process's error reporter. Events:
 * uncaught exceptions and unhandled rejections (the process still exits on them, like Node does),
 * 5xx answers and final job failures (through @docent/common's reporter).
 */
export function startErrorTracking(
  settings: ErrorTrackingSettings,
  app: string,
  options: { sendTimeoutMs?: number } = {},
): void {
  Sentry.init({
    dsn: settings.dsn,
    environment: settings.environment,
    release: settings.release,
    // only what is listed here: no request data, console, http or fetch integrations (they read
    // headers and bodies or add trace headers to outgoing requests), no sessions, and no dedupe:
    // every failed request or job is an occurrence the tracker should count
    defaultIntegrations: false,
    integrations: [
      Sentry.eventFiltersIntegration(),
      Sentry.functionToStringIntegration(),
      Sentry.linkedErrorsIntegration(),
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration({ mode: 'strict' }),
    ],
    enableOpenTelemetrySetup: false,
    enableRuntimeChannelInjection: false,
    tracesSampleRate: undefined,
    sendClientReports: false,
    maxBreadcrumbs: 0,
    shutdownTimeout: FLUSH_TIMEOUT_MS,
    initialScope: { tags: { app } },
    transportOptions: { httpModule: boundedHttpModule(options.sendTimeoutMs ?? SEND_TIMEOUT_MS) },
    beforeSend: (event) => scrubEvent(event),
  });
  setErrorReporter(new SentryReporter(app));
}

/** Sends what is queued so far, waiting at most `timeoutMs`; false when some did not leave. */
export async function flushErrorTracking(timeoutMs = FLUSH_TIMEOUT_MS): Promise<boolean> {
  if (!Sentry.getClient()) return true;
  return Sentry.flush(timeoutMs).catch(() => false);
}

/** Sends what is still queued, waiting at most `timeoutMs`, and stops reporting. */
export async function stopErrorTracking(timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
  setErrorReporter(undefined);
  if (!Sentry.getClient()) return;
  await Sentry.close(timeoutMs).catch(() => false);
}
