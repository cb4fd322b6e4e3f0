import { AppError, type FieldError } from '@docent/common';
import type { PasswordProblemCode } from './passwords/password-policy';

/**
 * Stable codes of the auth library: clients branch on them (the web client refreshes on
 * `token_expired`, signs out on `session_revoked`), so they never change once shipped. Services
 * throw through the factories below instead of spelling codes inline.
 */
export const AUTH_ERROR_CODES = {
  invalidCredentials: 'invalid_credentials',
  accountDisabled: 'account_disabled',
  accountLocked: 'account_locked',
  tooManyAttempts: 'too_many_attempts',
  rateLimited: 'rate_limited',
  emailTaken: 'email_taken',
  unknownRole: 'unknown_role',
  missingToken: 'missing_token',
  invalidToken: 'invalid_token',
  tokenExpired: 'token_expired',
  tokenNotYetValid: 'token_not_yet_valid',
  invalidRefreshToken: 'invalid_refresh_token',
  refreshTokenReused: 'refresh_token_reused',
  refreshTokenMissing: 'refresh_token_missing',
  sessionRevoked: 'session_revoked',
  sessionExpired: 'session_expired',
  sessionNotFound: 'session_not_found',
  currentPasswordIncorrect: 'current_password_incorrect',
  invalidResetToken: 'invalid_reset_token',
} as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[keyof typeof AUTH_ERROR_CODES];

const C = AUTH_ERROR_CODES;

/**
 * A 401 with the RFC 6750 challenge: clients that follow the standard know to drop the token.
 * Codes from other catalogues (the password policy's) never reach here, hence the narrow type.
 */
export const unauthenticated = (code: AuthErrorCode, message: string): AppError =>
  new AppError('unauthenticated', code, message, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

// ---- access tokens (guard, strategy, verifier)

export const missingAccessToken = (
  message = 'Authentication is required: send Authorization: Bearer <access token>.',
): AppError => unauthenticated(C.missingToken, message);

export const invalidAccessToken = (): AppError =>
  unauthenticated(C.invalidToken, 'The access token is not valid.');

export const accessTokenExpired = (): AppError =>
  unauthenticated(C.tokenExpired, 'The access token has expired.');

export const accessTokenNotYetValid = (): AppError =>
  unauthenticated(C.tokenNotYetValid, 'The access token is not valid yet.');

/** The token is sound but its user was deleted since it was issued. */
export const accountGone = (): AppError =>
  unauthenticated(C.invalidToken, 'The account no longer exists.');

/** A 401 for a token (access or refresh) whose session has ended. */
export const sessionEnded = (): AppError =>
  unauthenticated(C.sessionRevoked, 'This session has ended.');

/** A 401 for a token of a disabled account (access and refresh tokens alike). */
export const accountDisabledToken = (): AppError =>
  unauthenticated(C.accountDisabled, 'This account is disabled.');

// ---- refresh tokens

export const invalidRefreshToken = (): AppError =>
  unauthenticated(C.invalidRefreshToken, 'The refresh token is not valid.');

export const refreshTokenReused = (): AppError =>
  unauthenticated(
    C.refreshTokenReused,
    'This refresh token was already used; the session has been ended for safety.',
  );

export const sessionExpired = (): AppError =>
  unauthenticated(C.sessionExpired, 'This session has expired; sign in again.');

/** A browser in the cookie flow without its cookie is simply not signed in (no challenge). */
export const refreshTokenMissing = (): AppError =>
  new AppError('unauthenticated', C.refreshTokenMissing, 'Not signed in.');

// ---- sign-in and passwords

export const invalidCredentials = (): AppError =>
  new AppError(
    'unauthenticated',
    C.invalidCredentials,
    'The e-mail address or password is incorrect.',
  );

/** Sign-in of a disabled account: 403, the credentials were right. */
export const accountDisabled = (): AppError =>
  new AppError('forbidden', C.accountDisabled, 'This account is disabled.');

/** The login lockout refused a password check (`busy`: too many checks of it at once). */
export const passwordChecksRefused = (refusal: {
  reason: 'locked' | 'busy';
  retryAfterSeconds: number;
}): AppError =>
  refusal.reason === 'busy'
    ? new AppError(
        'rate_limited',
        C.tooManyAttempts,
        'Too many password attempts for this account at once; try again in a moment.',
        { retryAfterSeconds: refusal.retryAfterSeconds },
      )
    : new AppError(
        'rate_limited',
        C.accountLocked,
        'Too many failed sign-in attempts for this account; try again later.',
        { retryAfterSeconds: refusal.retryAfterSeconds },
      );

export const tooManyRequests = (retryAfterSeconds: number): AppError =>
  new AppError('rate_limited', C.rateLimited, 'Too many requests; slow down and retry later.', {
    retryAfterSeconds,
  });

export const currentPasswordIncorrect = (): AppError =>
  new AppError('bad_request', C.currentPasswordIncorrect, 'The current password is incorrect.', {
    errors: [{ field: 'currentPassword', message: 'current password is incorrect' }],
  });

export const invalidResetToken = (): AppError =>
  new AppError('bad_request', C.invalidResetToken, 'This reset link is invalid or has expired.', {
    errors: [{ field: 'token', message: 'reset token is invalid, used or expired' }],
  });

/** A password the policy refuses; the code names the rule (see passwords/password-policy). */
export const passwordRefused = (code: PasswordProblemCode, error: FieldError): AppError =>
  new AppError('bad_request', code, error.message, { errors: [error] });

// ---- accounts and sessions

export const emailTaken = (): AppError =>
  new AppError('conflict', C.emailTaken, 'An account with this e-mail address already exists.', {
    errors: [{ field: 'email', message: 'e-mail address is already registered' }],
  });

export const unknownRole = (roleName: string | undefined): AppError =>
  new AppError('unprocessable', C.unknownRole, `There is no role named "${roleName}".`, {
    errors: [{ field: 'role', message: 'role does not exist' }],
  });

/** Another user's session is "not found", never "forbidden". */
export const sessionNotFound = (): AppError =>
  new AppError('not_found', C.sessionNotFound, 'Session not found.');
