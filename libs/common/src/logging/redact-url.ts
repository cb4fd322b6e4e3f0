import { requestPath, requestQuery } from '../http/request-path';

/**
 * Query parameters whose values may appear in logs: paging, filters and formats, never free text
 * or credentials. Every other parameter keeps its name (when it looks like one) and loses its
 * value, so `?access_token=…` or a reset link opened against the api logs as `[redacted]`.
 * A new query parameter is redacted until it is added here (pino-options.spec.ts checks that
 * every parameter of docs/openapi.json was decided).
 */
export const LOGGED_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'action',
  'actorId',
  'around',
  'before',
  'cursor',
  'documentIds',
  'format',
  'from',
  'group',
  'groupBy',
  'limit',
  'role',
  'state',
  'status',
  'targetId',
  'targetType',
  'to',
  'unread',
]);

export const REDACTED = '[redacted]';

/** Bounds on what one log line spends on a URL, whatever the caller sent. */
const MAX_PATH_CHARS = 2048;
const MAX_VALUE_CHARS = 128;
const MAX_PARAMETERS = 32;
const MAX_NAME_CHARS = 32;

/** `[A-Za-z0-9_.\-[\]]{1,32}`: short enough that a token or key cannot hide in a "name". */
function looksLikeName(raw: string): boolean {
  if (raw.length === 0 || raw.length > MAX_NAME_CHARS) return false;
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x5f ||
      c === 0x2e ||
      c === 0x2d ||
      c === 0x5b ||
      c === 0x5d;
    if (!ok) return false;
  }
  return true;
}

function decodeName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

const capped = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max)}…` : text;

/**
 * A request URL as logs may show it: the path (capped), then the query and fragment with every
 * value that is not on `allowed` replaced by `[redacted]`. Linear in the URL's length.
 */
export function redactUrl(
  url: string | undefined,
  allowed: ReadonlySet<string> = LOGGED_QUERY_PARAMETERS,
): string {
  const path = capped(requestPath(url), MAX_PATH_CHARS);
  const query = requestQuery(url);
  if (query.length === 0) return path;
  const parts: string[] = [];
  let start = 0;
  while (start <= query.length && parts.length < MAX_PARAMETERS) {
    // a fragment (never sent by browsers, but OAuth puts tokens there) is split like a parameter
    let end = start;
    while (end < query.length && query[end] !== '&' && query[end] !== '#') end += 1;
    const pair = query.slice(start, end);
    start = end + 1;
    if (pair.length === 0) continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = decodeName(rawName);
    if (name !== undefined && allowed.has(name)) {
      parts.push(
        equals === -1 ? rawName : `${rawName}=${capped(pair.slice(equals + 1), MAX_VALUE_CHARS)}`,
      );
    } else {
      parts.push(`${looksLikeName(rawName) ? rawName : REDACTED}=${REDACTED}`);
    }
  }
  if (start <= query.length) parts.push('…');
  return parts.length > 0 ? `${path}?${parts.join('&')}` : path;
}
