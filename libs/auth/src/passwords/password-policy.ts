import { AppError } from '@docent/common';
import type * as LanguageCommon from '@zxcvbn-ts/language-common';

/**
 * Password acceptance rules (SPEC §3, NIST SP 800-63B-4 §3.1.1.2): a length window counted in code
 * points, a blocklist of leaked passwords and of trivial patterns, and no password derived from the
 * account's e-mail. Deliberately no composition rules ("one digit, one symbol"): they push users
 * towards predictable variants and NIST asks verifiers not to impose them.
 */

export const PASSWORD_TOO_SHORT = 'password_too_short';
export const PASSWORD_TOO_LONG = 'password_too_long';
export const PASSWORD_TOO_COMMON = 'password_too_common';
export const PASSWORD_DERIVED_FROM_EMAIL = 'password_derived_from_email';

export type PasswordProblemCode =
  | typeof PASSWORD_TOO_SHORT
  | typeof PASSWORD_TOO_LONG
  | typeof PASSWORD_TOO_COMMON
  | typeof PASSWORD_DERIVED_FROM_EMAIL;

/** Upper bound in code points; long enough for any passphrase, short enough to bound hashing input. */
export const PASSWORD_MAX_LENGTH = 128;
/** No deployment may accept shorter passwords, whatever PASSWORD_MIN_LENGTH says. */
export const PASSWORD_MIN_LENGTH_FLOOR = 8;

export interface PasswordProblem {
  code: PasswordProblemCode;
  /** A sentence for the user that names the reason. */
  message: string;
  /** The request field the problem belongs to (`password`, `newPassword`). */
  field: string;
}

export interface PasswordContext {
  /** The account's e-mail address (as entered; it is normalised here). */
  email: string;
  /** Configured minimum (AuthSettings.passwordMinLength). */
  minLength: number;
  /** Defaults to `password`. */
  field?: string;
}

/**
 * NFKC, so that the same password typed on different keyboards or input methods (composed vs
 * decomposed accents, full-width forms, ligatures) is one password: counted, checked and hashed
 * identically.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Returns the first rule the password breaks, or null when it is acceptable. */
export function checkPassword(password: string, context: PasswordContext): PasswordProblem | null {
  const field = context.field ?? 'password';
  const problem = (code: PasswordProblemCode, message: string): PasswordProblem => ({
    code,
    message,
    field,
  });
  const minLength = effectiveMinLength(context.minLength);

  // NFKC can shrink a string (composition) by only a few code points per character, so anything
  // this long in UTF-16 units cannot end up within the limit; this spares normalising and scanning
  // megabytes sent at the endpoint.
  if (password.length > PASSWORD_MAX_LENGTH * 16) {
    return problem(PASSWORD_TOO_LONG, tooLongMessage());
  }
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < minLength) {
    return problem(
      PASSWORD_TOO_SHORT,
      `This password is too short: use at least ${minLength} characters (a few unrelated words make a good passphrase).`,
    );
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return problem(PASSWORD_TOO_LONG, tooLongMessage());
  }

  const lowered = normalized.toLowerCase();
  const common = commonness(lowered);
  if (common === 'listed') {
    return problem(
      PASSWORD_TOO_COMMON,
      'This password is too common: it appears in lists of leaked passwords.',
    );
  }
  if (common === 'listed-variant') {
    return problem(
      PASSWORD_TOO_COMMON,
      'This password is too common: it is a leaked password with only digits or punctuation added.',
    );
  }
  if (common === 'pattern') {
    return problem(
      PASSWORD_TOO_COMMON,
      'This password is too common: a repeated character or a straight sequence is easy to guess.',
    );
  }

  if (isDerivedFromEmail(lowered, context.email)) {
    return problem(
      PASSWORD_DERIVED_FROM_EMAIL,
      'This password is too easy to guess: it contains your e-mail address or part of it.',
    );
  }
  return null;
}

/** Throws a 400 AppError carrying the problem as a field error; returns when the password is fine. */
export function assertPasswordAcceptable(password: string, context: PasswordContext): void {
  const problem = checkPassword(password, context);
  if (problem !== null) {
    throw new AppError('bad_request', problem.code, problem.message, {
      errors: [{ field: problem.field, message: problem.message }],
    });
  }
}

function tooLongMessage(): string {
  return `This password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`;
}

// Configuration validation already enforces 8..128; clamping again keeps this function safe for any
// caller that builds a context by hand.
function effectiveMinLength(configured: number): number {
  if (!Number.isFinite(configured)) return PASSWORD_MIN_LENGTH_FLOOR;
  return Math.min(PASSWORD_MAX_LENGTH, Math.max(PASSWORD_MIN_LENGTH_FLOOR, Math.ceil(configured)));
}

// ---------------------------------------------------------------------------------------------
// Common passwords

interface CommonPasswords {
  entries: ReadonlySet<string>;
  /** No entry has more code points than this: a longer candidate needs no lookup. */
  longest: number;
}

let commonPasswords: CommonPasswords | undefined;

/**
 * The ~49k most common leaked passwords shipped with @zxcvbn-ts/language-common, lowercased.
 * Loaded on first use rather than at import: decompressing the list costs ~20 ms and ~3.6 MiB of
 * heap, which processes that never check a password (the worker) should not pay.
 */
function commonPasswordList(): CommonPasswords {
  if (commonPasswords === undefined) {
    // A require() (not a static import) is what makes the load lazy while keeping this function
    // synchronous; the package is CommonJS, so this is the same module a static import would load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require('@zxcvbn-ts/language-common') as typeof LanguageCommon;
    const entries = new Set<string>();
    let longest = 0;
    for (const entry of lib.dictionary['passwords-common']) {
      const normalized = entry.normalize('NFKC').toLowerCase();
      entries.add(normalized);
      // UTF-16 length bounds the code-point length from above, which is all the bound needs
      longest = Math.max(longest, normalized.length);
    }
    commonPasswords = { entries, longest };
  }
  return commonPasswords;
}

/**
 * Builds the list now instead of on the first check (~40 ms once): for start-up code that would
 * rather not spend it inside the first registration request. Returns the number of entries.
 */
export function preloadCommonPasswords(): number {
  return commonPasswordList().entries.size;
}

function isListed(chars: readonly string[]): boolean {
  const list = commonPasswordList();
  return chars.length <= list.longest && list.entries.has(chars.join(''));
}

type Commonness = 'listed' | 'listed-variant' | 'pattern' | null;

// Characters people tack onto a dictionary password to satisfy old composition rules.
const AFFIX = /^[0-9!.]$/u;
const PUNCTUATION_AFFIX = /^[!.]$/u;
const DIGIT = /^[0-9]$/u;
// A listed word must keep at least this many characters once digits are stripped around it, so
// that "dog" followed by twelve random digits (which carry real entropy) is not called common.
const MIN_CORE_WHEN_DIGITS_STRIPPED = 4;

/**
 * `lowered` is the NFKC-normalised, lowercased password. The work is bounded (a few hundred set
 * lookups at 128 characters) because it runs on the event loop for every registration.
 */
function commonness(lowered: string): Commonness {
  const chars = [...lowered];
  const n = chars.length;
  const whole = trivialCore(chars);
  if (whole !== null) return whole;

  const firstWordChar = chars.findIndex((c) => !AFFIX.test(c));
  if (firstWordChar === -1) {
    // Only digits, ! and .: strip the punctuation but never digits, since any long random number
    // contains list entries (years, PINs) somewhere inside it.
    const lead = runLength(chars, 0, 1, PUNCTUATION_AFFIX);
    const trail = lead === n ? 0 : runLength(chars, n - 1, -1, PUNCTUATION_AFFIX);
    if (lead + trail === 0 || lead + trail === n) return null;
    return variant(trivialCore(chars.slice(lead, n - trail)));
  }

  // A word with affixes around it. The word itself always stays in the core, so the core never
  // degenerates into a bare number.
  const lead = firstWordChar;
  const trail = runLength(chars, n - 1, -1, AFFIX);
  const digitsBefore = [0];
  for (const c of chars) {
    digitsBefore.push(digitsBefore[digitsBefore.length - 1] + (DIGIT.test(c) ? 1 : 0));
  }
  const stripsDigits = (i: number, j: number): boolean =>
    digitsBefore[i] > 0 || digitsBefore[n] - digitsBefore[n - j] > 0;

  // Every split of the affix runs, because list entries themselves end in digits ("abc123!").
  // Only cores short enough to be on the list need a lookup.
  const longest = commonPasswordList().longest;
  for (let i = 0; i <= lead; i++) {
    for (let j = Math.max(0, n - i - longest); j <= trail; j++) {
      if (i === 0 && j === 0) continue;
      if (n - i - j < MIN_CORE_WHEN_DIGITS_STRIPPED && stripsDigits(i, j)) continue;
      if (isListed(chars.slice(i, n - j))) return 'listed-variant';
    }
  }
  // Patterns ("abcdefghijklmnop2024") only need the affixes removed entirely.
  for (const [i, j] of [
    [lead, 0],
    [0, trail],
    [lead, trail],
  ]) {
    if (i === 0 && j === 0) continue;
    if (n - i - j < MIN_CORE_WHEN_DIGITS_STRIPPED && stripsDigits(i, j)) continue;
    const found = variant(trivialCore(chars.slice(i, n - j)));
    if (found !== null) return found;
  }
  return null;
}

/** What a match means once affixes were stripped to find it. */
function variant(found: Commonness): Commonness {
  return found === 'listed' ? 'listed-variant' : found;
}

/** Length of the run of `kind` characters starting at `start` and walking by `step`. */
function runLength(chars: readonly string[], start: number, step: 1 | -1, kind: RegExp): number {
  let n = 0;
  for (let k = start; k >= 0 && k < chars.length && kind.test(chars[k]); k += step) n++;
  return n;
}

function trivialCore(chars: readonly string[]): Commonness {
  if (isListed(chars)) return 'listed';
  if (isRepeatedCharacter(chars) || isStraightSequence(chars)) return 'pattern';
  // "dragondragondragon", "abcabcabcabcabc": a repeated unit is as weak as the unit.
  const unit = repeatedUnit(chars);
  if (unit !== null) {
    if (isListed(unit)) return 'listed';
    if (isStraightSequence(unit)) return 'pattern';
  }
  return null;
}

function isRepeatedCharacter(chars: readonly string[]): boolean {
  return chars.length > 0 && chars.every((c) => c === chars[0]);
}

/**
 * "abcdefghijklmnop", "1234567890123456", "zyxwvu…": every step is +1 (or every step −1) within
 * the digits or within a–z, wrapping around (9 → 0, z → a) because that is how people type them.
 */
function isStraightSequence(chars: readonly string[]): boolean {
  if (chars.length < 2) return false;
  const positions = chars.map(sequencePosition);
  const first = positions[0];
  if (first === null) return false;
  const { alphabet, size } = first;
  const steps = new Set<number>();
  for (let k = 1; k < positions.length; k++) {
    const current = positions[k];
    const previous = positions[k - 1];
    if (current === null || previous === null || current.alphabet !== alphabet) return false;
    steps.add((current.index - previous.index + size) % size);
  }
  return steps.size === 1 && (steps.has(1) || steps.has(size - 1));
}

function sequencePosition(
  c: string,
): { alphabet: 'digit' | 'letter'; index: number; size: number } | null {
  const code = c.codePointAt(0) ?? -1;
  if (code >= 0x30 && code <= 0x39) return { alphabet: 'digit', index: code - 0x30, size: 10 };
  if (code >= 0x61 && code <= 0x7a) return { alphabet: 'letter', index: code - 0x61, size: 26 };
  return null;
}

/** The shortest unit the string is two or more copies of, or null. */
function repeatedUnit(chars: readonly string[]): readonly string[] | null {
  const n = chars.length;
  for (let size = 1; size <= n / 2; size++) {
    if (n % size !== 0) continue;
    let repeats = true;
    for (let k = size; k < n && repeats; k++) repeats = chars[k] === chars[k - size];
    if (repeats) return chars.slice(0, size);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Derived from the e-mail

const MIN_LOCAL_PART = 3;
const MIN_DOMAIN_LABEL = 4;
// Short of the whole address, which is always at least this long in practice; guards against an
// empty or odd value turning every password into a "match".
const MIN_WHOLE_ADDRESS = 4;
// Second-level labels under which registrants pick their name (example.co.uk, example.com.au).
const GENERIC_SECOND_LEVEL = new Set([
  'co',
  'com',
  'net',
  'org',
  'ac',
  'gov',
  'edu',
  'ne',
  'or',
  'go',
]);

// Comparison ignores case and everything but letters and digits, so "J.Doe-2024" contains "jdoe".
function alphanumeric(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

function isDerivedFromEmail(loweredPassword: string, email: string): boolean {
  const password = alphanumeric(loweredPassword);
  if (password.length === 0) return false;
  return emailFragments(email).some((fragment) => password.includes(fragment));
}

function emailFragments(email: string): string[] {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  const local = at >= 0 ? trimmed.slice(0, at) : trimmed;
  const domain = at >= 0 ? trimmed.slice(at + 1) : '';
  const fragments: string[] = [];

  const whole = alphanumeric(trimmed);
  if ([...whole].length >= MIN_WHOLE_ADDRESS) fragments.push(whole);

  // "jane.doe+docent@…": the mailbox is jane.doe; the tag is often the service name and would
  // otherwise let "janedoe" through.
  for (const part of new Set([local, local.split('+')[0]])) {
    const normalized = alphanumeric(part);
    const codePoints = [...normalized];
    if (codePoints.length >= MIN_LOCAL_PART) {
      fragments.push(normalized, codePoints.reverse().join(''));
    }
  }

  const label = mainDomainLabel(domain);
  if (label !== null && [...label].length >= MIN_DOMAIN_LABEL) fragments.push(label);
  return fragments;
}

/**
 * The label a registrant chose: "example" in mail.example.com or example.co.uk. A heuristic (no
 * public-suffix list), good enough for spotting "Example2024!" as a password.
 */
function mainDomainLabel(domain: string): string | null {
  if (domain.startsWith('[')) return null; // address literal, no name in it
  const labels = domain
    .toLowerCase()
    .split('.')
    .filter((l) => l.length > 0);
  if (labels.length === 0) return null;
  if (labels.length > 1) labels.pop(); // top-level domain
  if (labels.length > 1 && GENERIC_SECOND_LEVEL.has(labels[labels.length - 1])) labels.pop();
  const label = alphanumeric(labels[labels.length - 1]);
  return label.length > 0 ? label : null;
}
