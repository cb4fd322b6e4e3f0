/**
 * Small, dependency-free parsers for environment variables. Each returns the parsed value or
 * throws an `EnvError` whose message says what was expected, so the caller can collect every
 * problem and report them together.
 */
import { isIP } from 'node:net';
import type { RedisClusterSettings, RedisNode, TrustProxy } from './config.types';

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

/** proxy-addr's names for address ranges (Fastify's `trustProxy` understands them). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_PROXY_HOPS = 10;

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const prefix = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return family === 4 && isIP(prefix) === 4; // 10.0.0.0/255.0.0.0
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY`: `false` (default: the socket's address is the client), a hop count (`1` behind
 * one reverse proxy), or a comma-separated list of proxy addresses/CIDRs. `true` is refused: it
 * would believe every `X-Forwarded-For` entry, so a client could pick its own address for rate
 * limits, audit entries and sessions.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (['', 'false', '0', 'no', 'off'].includes(value)) return false;
  if (['true', 'yes', 'on'].includes(value)) {
    throw new EnvError(
      `"${raw.trim()}" would trust every X-Forwarded-For hop, so any client could choose its own ` +
        'address (rate limits, audit, sessions); set the number of proxies in front of the app ' +
        '(e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8,fd00::/8)',
    );
  }
  if (/^\d+$/.test(value)) return parseInteger(value, 1, MAX_PROXY_HOPS);
  const entries = parseList(raw);
  const bad = entries.filter((entry) => !isProxyAddress(entry.toLowerCase()));
  if (entries.length === 0 || bad.length > 0) {
    throw new EnvError(
      `must be false, a number of proxy hops (1-${MAX_PROXY_HOPS}) or a comma-separated list of ` +
        `proxy addresses/CIDRs (got "${bad.join(', ') || raw}")`,
    );
  }
  return entries.map((entry) => entry.toLowerCase());
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

export function parseUrl(raw: string, protocols: readonly string[], alternatives?: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new EnvError(`must be a URL (got a value that does not parse)`);
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) {
    const also = alternatives ? ` (or ${alternatives} for a cluster)` : '';
    throw new EnvError(`must use ${protocols.map((p) => `${p}://`).join(' or ')}${also}`);
  }
  return url;
}

export interface ParsedRedisUrl {
  /** The URL as given (single node: normalised by WHATWG URL). */
  url: string;
  tls: boolean;
  cluster?: RedisClusterSettings;
}

const REDIS_CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;
const CLUSTER_NODE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/**
 * `REDIS_URL`: `redis://` or `rediss://` (TLS) for one node, or
 * `redis+cluster://[user:pass@]host1:port,host2:port[/]` (`rediss+cluster://` for TLS) for a
 * Redis Cluster: the listed nodes are seeds, each with an explicit port. A cluster has database 0
 * only and takes no query options (every client setting is Docent's own).
 */
export function parseRedisUrl(raw: string): ParsedRedisUrl {
  const value = raw.trim();
  const match = REDIS_CLUSTER_URL.exec(value);
  if (!match) {
    const url = parseUrl(value, ['redis', 'rediss'], 'redis+cluster://, rediss+cluster://');
    return { url: url.toString(), tls: url.protocol === 'rediss:' };
  }
  const [, scheme, userInfo, hosts, path, query] = match;
  if (path !== undefined && path !== '/' && path !== '/0') {
    throw new EnvError('must not name a database for a Redis Cluster (it only has database 0)');
  }
  if (query !== undefined && query !== '?') {
    throw new EnvError('takes no query options for a Redis Cluster');
  }
  const nodes: RedisNode[] = [];
  for (const entry of parseList(hosts)) {
    const node = CLUSTER_NODE.exec(entry);
    const port = node ? Number(node[3]) : 0;
    if (!node || port < 1 || port > 65535) {
      throw new EnvError(`cluster nodes must be host:port separated by commas (got "${entry}")`);
    }
    nodes.push({ host: node[1] ?? node[2], port });
  }
  if (nodes.length === 0) throw new EnvError('must list at least one cluster node (host:port)');
  let username: string | undefined;
  let password: string | undefined;
  if (userInfo) {
    const colon = userInfo.indexOf(':');
    const user = colon === -1 ? userInfo : userInfo.slice(0, colon);
    try {
      username = user ? decodeURIComponent(user) : undefined;
      password = colon === -1 ? undefined : decodeURIComponent(userInfo.slice(colon + 1));
    } catch {
      throw new EnvError('has credentials that are not valid percent-encoding');
    }
  }
  return { url: value, tls: scheme === 'rediss', cluster: { nodes, username, password } };
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
