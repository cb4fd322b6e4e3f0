/**
 * What of a bull job may be shown to an admin. Job payloads can carry single-use links and other
 * secrets (a password-reset mail's `context` holds its reset URL), so keys that look like one are
 * dropped, however deep, before a payload leaves the api.
 */
export const SECRET_JOB_KEYS = /password|token|secret|url|context|authorization|cookie|credential/i;

/** Nesting deeper than this is cut off: an admin view needs the outline, not every leaf. */
const MAX_DEPTH = 8;

export function redactJobData(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => redactJobData(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !SECRET_JOB_KEYS.test(key))
      .map(([key, inner]) => [key, redactJobData(inner, depth + 1)]),
  );
}

/** How many lines of a stack trace the job listing shows. */
export const STACK_LINES = 20;

/**
 * The most recent attempt's stack trace (bull keeps one per failed attempt), cut to its first
 * `STACK_LINES` lines; null when the job never failed.
 */
export function latestStack(stacktrace: unknown): string | null {
  if (!Array.isArray(stacktrace) || stacktrace.length === 0) return null;
  const latest: unknown = stacktrace[stacktrace.length - 1];
  if (typeof latest !== 'string' || latest.length === 0) return null;
  return latest.split('\n').slice(0, STACK_LINES).join('\n');
}

/** Bull timestamps are epoch milliseconds (or missing); the API speaks ISO-8601 UTC. */
export function isoOrNull(epochMs: unknown): string | null {
  if (typeof epochMs !== 'number' || !Number.isFinite(epochMs) || epochMs <= 0) return null;
  return new Date(epochMs).toISOString();
}
