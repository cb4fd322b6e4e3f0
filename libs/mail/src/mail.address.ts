/**
 * Pure helpers for the one piece of mail that comes from users and ends up in headers: the
 * recipient. The producer and the processor both apply them, so a job queued by anything other
 * than the producer is held to the same rules.
 */

// Control characters split headers; line/paragraph separators and bidi overrides let a name
// pose as something else in the recipient's client.
const UNSAFE_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]+/gu;
const MAX_NAME_LENGTH = 128;

/** A display name safe to put in a header, or undefined when nothing printable is left. */
export function sanitizeDisplayName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const clean = name.replace(UNSAFE_IN_NAME, ' ').replace(/\s+/g, ' ').trim();
  // by code point, so a cut never leaves half a surrogate pair
  const bounded = Array.from(clean).slice(0, MAX_NAME_LENGTH).join('').trim();
  return bounded === '' ? undefined : bounded;
}

// Dot-atom local part and a hostname with at least one dot. Letters may be non-ASCII, as the
// registration form (class-validator's IsEmail) accepts them and nodemailer sends them (SMTPUTF8,
// punycode). Never anything that could list a second address (`,` `;`), carry a display name
// (`<` `"`), a comment (`(`) or a line break.
const ATOM = String.raw`[\p{L}\p{M}\p{Nd}!#$%&'*+/=?^_\x60{|}~-]+`;
const LABEL = String.raw`[\p{L}\p{M}\p{Nd}](?:[\p{L}\p{M}\p{Nd}-]{0,61}[\p{L}\p{M}\p{Nd}])?`;
const TOP_LABEL = String.raw`\p{L}(?:[\p{L}\p{M}\p{Nd}-]{0,61}[\p{L}\p{M}\p{Nd}])?`;
const LOCAL_PART = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
const DOMAIN = new RegExp(`^(?:${LABEL}\\.)+${TOP_LABEL}$`, 'u');

/** True for exactly one plain `local@domain` address (RFC 5321 length limits). */
export function isSingleEmailAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(domain);
}

/** `jane@example.com` → `j***@example.com`: enough to correlate a log line, not to harvest it. */
export function maskEmail(value: unknown): string {
  if (typeof value !== 'string') return '***';
  const at = value.lastIndexOf('@');
  const first = Array.from(value)[0] ?? '';
  // only echo parts that passed validation, so a hostile value cannot shape the log line
  const shown = at > 0 && LOCAL_PART.test(first) ? first : '';
  const domain = at > 0 && DOMAIN.test(value.slice(at + 1)) ? value.slice(at + 1) : '***';
  return `${shown}***@${domain}`;
}
