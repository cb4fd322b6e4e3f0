// The api's errors as the client sees them: problem details (RFC 9457) or a network failure.

import type { FieldProblem, ProblemDetails } from './extra-types';

/** A problem-details answer (RFC 9457), or a network failure dressed as one. */
export class ApiError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail ?? problem.title ?? `Request failed (${problem.status})`);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string | undefined {
    return this.problem.code;
  }

  /** Field errors keyed by field name (several messages for one field are joined). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { field, message } of this.problem.errors ?? ([] as FieldProblem[])) {
      out[field] = out[field] ? `${out[field]}; ${message}` : message;
    }
    return out;
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const retry = error.problem['retryAfter'];
    const base = error.message;
    return typeof retry === 'number' ? `${base} Try again in ${retry} s.` : base;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The answer as problem details; `unavailable` when a 401 could not be cured because renewing
 * the token hit an outage (the session is kept: a temporary error, not a sign-out).
 */
export async function problemFrom(response: Response, as?: 'unavailable'): Promise<ApiError> {
  if (as === 'unavailable') {
    return new ApiError({
      status: 503,
      title: 'Service Unavailable',
      detail: 'Docent is temporarily unavailable; retry shortly.',
      code: 'dependency_unavailable',
    });
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's error page): fall back to the status line
  }
  const problem: ProblemDetails =
    body && typeof body === 'object'
      ? { status: response.status, ...(body as object) }
      : { status: response.status, title: response.statusText || 'Request failed' };
  const retryAfter = response.headers.get('Retry-After');
  if (retryAfter && /^\d+$/.test(retryAfter)) problem['retryAfter'] = Number(retryAfter);
  return new ApiError(problem);
}

export const networkError = (error: unknown) =>
  new ApiError({
    status: 0,
    title: 'Network error',
    detail: `The server could not be reached (${error instanceof Error ? error.message : error}).`,
  });
