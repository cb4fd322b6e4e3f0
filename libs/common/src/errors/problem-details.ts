import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { AppError, type FieldError } from './app-error';
import { dependencyUnavailable, isDependencyOutage } from './dependency-outage';

/** RFC 9457 problem details, as every error response of Docent carries them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  code: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
export const PROBLEM_TYPE_BASE = 'https://docent.dev/problems/';

/** Codes for errors that reach us as bare HTTP statuses (routing, body parsing, guards). */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

const GENERIC_DETAIL: Record<number, string> = {
  404: 'The requested resource does not exist.',
  413: 'The request body is larger than this endpoint accepts.',
  429: 'Too many requests; retry later.',
  500: 'An unexpected error occurred. Quote the request id when reporting it.',
};

export interface ProblemResult {
  problem: ProblemDetails;
  /** Headers to send with the problem (e.g. Retry-After). */
  headers: Record<string, string>;
  /** True when the error is ours to investigate (5xx that is not a known dependency outage). */
  unexpected: boolean;
}

function messageOf(exception: HttpException): string | undefined {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  if (response && typeof response === 'object' && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  return exception.message;
}

/** Turns anything thrown into a problem document; never leaks stack traces or SQL. */
export function toProblem(
  exception: unknown,
  context: { instance: string; requestId: string },
): ProblemResult {
  const headers: Record<string, string> = {};
  let status = 500;
  let code = 'internal_error';
  let detail = GENERIC_DETAIL[500];
  let errors: FieldError[] | undefined;
  let extensions: Record<string, unknown> = {};
  let unexpected = true;

  // an outage is never the caller's fault nor our bug: 503 with Retry-After, whatever wrapped it
  if (!(exception instanceof AppError) && isDependencyOutage(exception)) {
    exception = dependencyUnavailable(exception);
  }
  if (exception instanceof AppError) {
    status = exception.status;
    code = exception.code;
    detail = exception.message;
    errors = exception.errors;
    extensions = exception.extensions ?? {};
    for (const [name, value] of Object.entries(exception.headers ?? {})) {
      headers[name.toLowerCase()] = value;
    }
    if (exception.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(exception.retryAfterSeconds)));
    }
    unexpected = exception.kind === 'internal';
  } else if (exception instanceof HttpException) {
    status = exception.getStatus();
    code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'http_error');
    detail =
      status >= 500 ? GENERIC_DETAIL[500] : (messageOf(exception) ?? STATUS_CODES[status] ?? '');
    // Nest's "Cannot <METHOD> <url>" would echo the query (any method Fastify knows: PROPFIND…)
    if (status === 404 && /^Cannot [A-Z-]+ /.test(detail)) {
      detail = GENERIC_DETAIL[404];
    }
    unexpected = status >= 500 && status !== 503;
  }

  const problem: ProblemDetails = {
    ...extensions,
    type: unexpected || !(exception instanceof AppError) ? 'about:blank' : PROBLEM_TYPE_BASE + code,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: detail || GENERIC_DETAIL[status] || (STATUS_CODES[status] ?? 'Error'),
    instance: context.instance,
    requestId: context.requestId,
    code,
  };
  if (errors && errors.length > 0) problem.errors = errors;
  return { problem, headers, unexpected };
}
