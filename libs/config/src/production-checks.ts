import { looksLikePlaceholder } from './env-parsers';

/** What the production checks look at (each may be missing when its own variable was invalid). */
export interface ProductionSettings {
  corsOrigins?: string[];
  llmBaseUrl?: string;
  llmApiKey?: string;
  jwtAccessSecret?: string;
}

/** Estimated bits a JWT secret needs (see `estimateSecretBits`). */
export const MIN_JWT_SECRET_BITS = 128;

/** A secret this long is checked on its first part only: estimating more proves nothing more. */
const MAX_ESTIMATED_CHARS = 4096;

/**
 * Well-known JWT secrets and the words people put in made-up ones (jwt.io's sample secret,
 * tutorials' `supersecret`, …), compared with letters and digits only, case-insensitively. A
 * random secret contains one of these by chance with negligible probability.
 */
const KNOWN_WEAK_PARTS = [
  'your256bitsecret',
  'secret',
  'password',
  'passwd',
  'changeme',
  'changethis',
  'replaceme',
  'placeholder',
  'example',
  'qwerty',
  'asdfgh',
  '123456',
  'abcdef',
  'default',
];

/**
 * True for loopback origins (localhost and its subdomains, 127.0.0.0/8, ::1, 0.0.0.0): a browser
 * page there is whatever runs on the visitor's own machine, never the deployment's web client.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    host === '0.0.0.0' ||
    /^127(?:\.\d{1,3}){3}$/.test(host)
  );
}

/**
 * A conservative estimate of the bits of randomness in a secret, linear in its length:
 * (distinct adjacent character pairs) × log2(distinct characters). A repeated or patterned
 * string has few distinct pairs (`abcabc…` has three whatever its length) and a small alphabet
 * makes each pair worth little, while random text has nearly one new pair per character:
 * base64 of 32 random bytes scores about 200, hex of 32 random bytes about 230.
 */
export function estimateSecretBits(secret: string): number {
  const chars = Array.from(secret.slice(0, MAX_ESTIMATED_CHARS));
  const alphabet = new Set(chars);
  if (alphabet.size < 2) return 0;
  const pairs = new Set<string>();
  for (let i = 1; i < chars.length; i += 1) pairs.add(chars[i - 1] + chars[i]);
  return Math.floor(pairs.size * Math.log2(alphabet.size));
}

/** The part of a known weak secret this one contains, or null. */
function knownWeakPart(secret: string): string | null {
  const folded = secret.toLowerCase().replace(/[^a-z0-9]+/g, '');
  return KNOWN_WEAK_PARTS.find((part) => folded.includes(part)) ?? null;
}

/**
 * What production refuses beyond missing or placeholder secrets, one line per problem:
 * - browser origins on loopback in CORS_ORIGINS (including the development default when unset);
 * - an API key sent to an `http://` LLM_BASE_URL, i.e. in clear over the network; plain http to a
 *   loopback host (a model server on the same machine) is allowed, the key never leaves it;
 * - a JWT_ACCESS_SECRET that contains a well-known weak secret or scores under
 *   `MIN_JWT_SECRET_BITS` (placeholders are reported by the caller, not twice here).
 */
export function productionProblems(settings: ProductionSettings): string[] {
  const problems: string[] = [];
  const loopback = (settings.corsOrigins ?? []).filter((origin) =>
    isLoopbackHost(new URL(origin).hostname),
  );
  if (loopback.length > 0) {
    problems.push(
      `CORS_ORIGINS allows ${loopback.join(', ')} (loopback; the development default when unset): ` +
        'in production list the origins your web client is served from, e.g. https://docent.example.org',
    );
  }
  if (settings.llmBaseUrl !== undefined && settings.llmApiKey !== undefined) {
    const url = new URL(settings.llmBaseUrl);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      problems.push(
        'LLM_BASE_URL uses http:// while LLM_API_KEY is set, which would send the key in clear: ' +
          'use https:// (plain http is accepted only to localhost)',
      );
    }
  }
  const secret = settings.jwtAccessSecret;
  if (secret !== undefined && !looksLikePlaceholder(secret)) {
    const weak = knownWeakPart(secret);
    const bits = estimateSecretBits(secret);
    if (weak !== null) {
      problems.push(
        `JWT_ACCESS_SECRET contains "${weak}", part of well-known weak secrets; generate one with: openssl rand -base64 48`,
      );
    } else if (bits < MIN_JWT_SECRET_BITS) {
      problems.push(
        `JWT_ACCESS_SECRET is too predictable (about ${bits} bits by a conservative estimate, ` +
          `${MIN_JWT_SECRET_BITS} needed: too few distinct characters or long repeats); ` +
          'generate one with: openssl rand -base64 48',
      );
    }
  }
  return problems;
}
