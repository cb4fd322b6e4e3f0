import { passwordRefused } from '../auth.errors';
import { commonness } from './common-passwords';
import { isDerivedFromEmail } from './email-derivation';

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
    throw passwordRefused(problem.code, { field: problem.field, message: problem.message });
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
