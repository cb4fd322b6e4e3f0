import { AppError } from './app-error';

/**
 * The one definition of "a service Docent depends on is unreachable" (PostgreSQL, Redis, the
 * queues on Redis): such an error says nothing about the caller, so it must never become a 401,
 * 403 or 500 (a full or failing storage disk counts too). Every place that turns an error into an answer (the problem-details filter, the
 * socket gateway's handshake and `auth.refresh`, caches that fall back to their source) asks
 * `isDependencyOutage` and answers `dependencyUnavailable()`: 503 problem details with
 * Retry-After on HTTP, a retryable `unavailable` on sockets.
 *
 * Matched by name, code and message, so this library needs none of the drivers.
 */

/** What a client should wait before retrying after an outage answer (seconds). */
export const OUTAGE_RETRY_AFTER_SECONDS = 2;

/** The stable code of the outage answer (HTTP problem `code`, socket error `data.code`). */
export const DEPENDENCY_UNAVAILABLE = 'dependency_unavailable';

const OUTAGE_NAMES = new Set([
  // MikroORM: the driver could not connect or lost its connection
  'ConnectionException',
  // ioredis: retries exhausted while reconnecting; every node of a cluster failed
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  'ConnectionClosedError',
]);

const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  // the storage disk: full, over quota, failing, a stale network-filesystem handle
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'ESTALE',
  // PostgreSQL: too many connections, shutting down, starting up, cannot connect now
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

/** Messages of driver errors that carry no name or code of their own. */
const OUTAGE_MESSAGES = [
  // ioredis
  /^Connection is closed\.?$/,
  /^Command timed out$/,
  /^Stream isn't writeable/,
  /max retries per request/i,
  /^None of startup nodes is available/,
  /^Failed to refresh slots cache/,
  // ioredis Cluster while a master fails over: redirections or retries ran out first
  /^Too many Cluster redirections/,
  /^CLUSTERDOWN /,
  /^TRYAGAIN /,
  // node-postgres and its pool (MikroORM's DriverException keeps the driver's message, sometimes
  // after the statement: "<sql> - Connection terminated unexpectedly")
  /(?:^| - )Connection terminated/,
  /(?:^| - )timeout exceeded when trying to connect/,
  /(?:^| - )Client has encountered a connection error and is not queryable/,
  /(?:^| - )Client was closed and is not queryable/,
  /(?:^| - )Query read timeout/,
];

const MAX_DEPTH = 5;

function matches(error: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return false;
  if (error instanceof AppError) return error.kind === 'unavailable';
  const candidate = error as { name?: unknown; code?: unknown; message?: unknown };
  const name = typeof candidate.name === 'string' ? candidate.name : '';
  if (OUTAGE_NAMES.has(name) || OUTAGE_NAMES.has(error.constructor?.name ?? '')) return true;
  const code = candidate.code;
  if (typeof code === 'string' && (OUTAGE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    // SQLSTATE class 08: connection exceptions
    return true;
  }
  const message = typeof candidate.message === 'string' ? candidate.message : '';
  if (OUTAGE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // net's happy-eyeballs and bull wrap the real cause
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.length > 0 && nested.every((e) => matches(e, depth + 1))) {
    return true;
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && matches(cause, depth + 1);
}

/** True when `error` means a dependency is down or unreachable (retry later), not a bug. */
export function isDependencyOutage(error: unknown): boolean {
  return matches(error, 0);
}

/** The answer to an outage: 503 `dependency_unavailable` with Retry-After. */
export function dependencyUnavailable(cause?: unknown): AppError {
  return new AppError(
    'unavailable',
    DEPENDENCY_UNAVAILABLE,
    'A service Docent depends on is unavailable; retry shortly.',
    { retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS, cause },
  );
}

/** `error` itself when it is not an outage; the outage answer when it is. */
export function asOutageAnswer(error: unknown): unknown {
  if (error instanceof AppError) return error;
  return isDependencyOutage(error) ? dependencyUnavailable(error) : error;
}
