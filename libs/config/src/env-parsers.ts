/**
 * Small, dependency-free parsers for environment variables. Each returns the parsed value or
 * throws an `EnvError` whose message says what was expected, so the caller can collect every
 * problem and report them together.
 */
export class EnvError extends Error {}

const DURATION = /^(\d+)\s*(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `900s`, `15m`, `12h`, `30d` (or a bare number of seconds) into milliseconds. */
export function parseDuration(raw: string): number {
  const match = DURATION.exec(raw.trim());
  if (!match) {
    throw new EnvError(`must be a duration such as 900s, 15m, 12h or 30d (got "${raw}")`);
  }
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = value * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) throw new EnvError(`is too large (got "${raw}")`);
  return ms;
}

export function parseInteger(raw: string, min: number, max: number): number {
  const trimmed = raw.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new EnvError(`must be an integer (got "${raw}")`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new EnvError(`must be between ${min} and ${max} (got ${trimmed})`);
  }
  return value;
}

export function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new EnvError(`must be true or false (got "${raw}")`);
}

export function parseEnum<T extends string>(raw: string, allowed: readonly T[]): T {
  const value = raw.trim() as T;
  if (!allowed.includes(value)) {
    throw new EnvError(`must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return value;
}

export function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function parseUrl(raw: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new EnvError(`must be a URL (got a value that does not parse)`);
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) {
    throw new EnvError(`must use ${protocols.map((p) => `${p}://`).join(' or ')}`);
  }
  return url;
}

/** An origin for CORS: scheme, host and optional port, no path. */
export function parseOrigin(raw: string): string {
  const url = parseUrl(raw, ['http', 'https']);
  if (url.pathname !== '/' || url.search || url.hash || raw.trim().endsWith('/')) {
    throw new EnvError(`"${raw}" must be an origin such as https://app.example.com (no path)`);
  }
  return url.origin;
}

/** `keyId:base64key` pairs; every key must decode to exactly 32 bytes (AES-256). */
export function parseKeyring(raw: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of parseList(raw)) {
    const separator = entry.indexOf(':');
    if (separator <= 0) throw new EnvError('entries must look like keyId:base64key');
    const id = entry.slice(0, separator);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      throw new EnvError(`key id "${id}" must be 1-32 letters, digits, _ or -`);
    }
    const encoded = entry.slice(separator + 1);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
      throw new EnvError(`key "${id}" is not valid base64`);
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) {
      throw new EnvError(`key "${id}" must decode to 32 bytes (got ${key.length})`);
    }
    if (keys.has(id)) throw new EnvError(`key id "${id}" appears twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new EnvError('must list at least one key');
  return keys;
}

const PLACEHOLDER_WORDS =
  /change[-_ ]?me|placeholder|example|insecure|dev[-_]?only|not[-_]?secret|your[-_]/i;

/** True for values that are obviously not a real secret (the kind shipped in `.env.example`). */
export function looksLikePlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value)) return true;
  // one character repeated (aaaa…, 0000…) carries no entropy
  return value.length > 0 && new Set(value).size <= 2;
}

/** `100/1m`: at most 100 requests per minute. */
export function parseRateLimit(raw: string): { limit: number; ttlMs: number } {
  const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(raw);
  if (!match) throw new EnvError(`must look like 100/1m (requests per duration) (got "${raw}")`);
  const limit = parseInteger(match[1], 1, 1_000_000);
  const ttlMs = parseDuration(match[2]);
  if (ttlMs < 1000) throw new EnvError('window must be at least 1s');
  return { limit, ttlMs };
}
