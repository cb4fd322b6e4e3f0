/** What went wrong, independent of transport; the problem-details filter maps each to a status. */
export type ErrorKind =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'request_timeout'
  | 'too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'headers_too_large'
  | 'unavailable'
  | 'internal';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  request_timeout: 408,
  too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  headers_too_large: 431,
  unavailable: 503,
  internal: 500,
};

export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  /** Per-field problems (validation). */
  errors?: FieldError[];
  /** Seconds a client should wait before retrying (429, 503). */
  retryAfterSeconds?: number;
  /** Extra members added to the problem document (must be safe to show to the caller). */
  extensions?: Record<string, unknown>;
  /** Extra response headers (e.g. WWW-Authenticate on 401). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error type services and processors throw. `code` is a stable snake_case string: the
 * same cause always gives the same code. Services never throw `HttpException`.
 */
export class AppError extends Error {
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;
  readonly extensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions;
    this.headers = options.headers;
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }
}

export class ValidationFailedError extends AppError {
  constructor(errors: FieldError[], message = 'The request is not valid.') {
    super('bad_request', 'validation_failed', message, { errors });
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, code = `${resource.toLowerCase().replace(/\W+/g, '_')}_not_found`) {
    super('not_found', code, `${resource} not found.`);
  }
}
