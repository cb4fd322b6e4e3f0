import { isIPv4, isIPv6 } from 'node:net';

/** Only this much of a User-Agent header is looked at: the markers sit near its start. */
const USER_AGENT_SCAN_CHARS = 512;

/** First marker found wins, so the more specific ones (Edge and Opera say "Chrome" too) lead. */
const BROWSERS: readonly [marker: string, name: string][] = [
  ['Edg/', 'Edge'],
  ['EdgA/', 'Edge'],
  ['OPR/', 'Opera'],
  ['SamsungBrowser/', 'Samsung Internet'],
  ['Firefox/', 'Firefox'],
  ['FxiOS/', 'Firefox'],
  ['CriOS/', 'Chrome'],
  ['Chrome/', 'Chrome'],
  ['Safari/', 'Safari'],
  ['curl/', 'curl'],
  ['python-requests/', 'Python'],
  ['okhttp/', 'an Android app'],
];

const SYSTEMS: readonly [marker: string, name: string][] = [
  ['Windows', 'Windows'],
  ['Android', 'Android'],
  ['iPhone', 'iOS'],
  ['iPad', 'iPadOS'],
  ['CrOS', 'ChromeOS'],
  ['Mac OS X', 'macOS'],
  ['Macintosh', 'macOS'],
  ['Linux', 'Linux'],
];

const find = (text: string, table: readonly [string, string][]): string | undefined =>
  table.find(([marker]) => text.includes(marker))?.[1];

/**
 * "Firefox on Windows": browser family and operating system, no versions (an update is not a new
 * device) and nothing else from the header. Substring checks over a bounded prefix: linear.
 */
export function describeUserAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return 'an unknown device';
  const text = userAgent.slice(0, USER_AGENT_SCAN_CHARS);
  const browser = find(text, BROWSERS);
  const system = find(text, SYSTEMS);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'an unknown client';
}

/** The eight 16-bit groups of an IPv6 address in canonical hex, or null if it is not one. */
function ipv6Groups(address: string): string[] | null {
  if (!isIPv6(address)) return null;
  let text = address.toLowerCase();
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right];
  return groups.length === 8
    ? groups.map((group) => Number.parseInt(group, 16).toString(16))
    : null;
}

/**
 * The network a client is on, as far as "a device seen before" goes: an IPv4 address as is (an
 * IPv4-mapped IPv6 address too), an IPv6 address by its /64 (one subscriber's prefix, whose
 * interface ids rotate for privacy). Null when unknown.
 */
export function networkOf(ip: string | null | undefined): string | null {
  if (!ip) return null;
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return null;
  if (groups.slice(0, 5).every((group) => group === '0') && groups[5] === 'ffff') {
    const high = Number.parseInt(groups[6], 16);
    const low = Number.parseInt(groups[7], 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}
