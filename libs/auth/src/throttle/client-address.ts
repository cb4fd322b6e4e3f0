import { normalizeIp } from '@nestjs/throttler';

/** The block a single IPv6 subscriber or host is normally given (RFC 6177, RFC 7421). */
export const IPV6_CLIENT_PREFIX = 64;

/**
 * Who a per-IP rate limit counts: an IPv4 address as is; an IPv6 client by its /64, since one
 * machine can rotate through 2^64 addresses of its own, each of which would otherwise get a fresh
 * budget; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a dual-stack socket reports an IPv4
 * client) as that IPv4 address; a zone id dropped. Anything that is not an address comes back
 * unchanged. @nestjs/throttler's `normalizeIp` does the work (split and parseInt, no regular
 * expression, linear in the length); our tracker overrides the guard's default, so it calls it
 * explicitly.
 */
export function rateLimitAddress(address: string): string {
  return normalizeIp(address, IPV6_CLIENT_PREFIX);
}
