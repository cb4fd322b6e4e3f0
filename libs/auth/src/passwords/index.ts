export { PasswordHasher, parsePhc, type Argon2Cost } from './password-hasher';
export {
  checkPassword,
  assertPasswordAcceptable,
  normalizePassword,
  PASSWORD_TOO_SHORT,
  PASSWORD_TOO_LONG,
  PASSWORD_TOO_COMMON,
  PASSWORD_DERIVED_FROM_EMAIL,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH_FLOOR,
  type PasswordProblem,
  type PasswordProblemCode,
  type PasswordContext,
} from './password-policy';
export { preloadCommonPasswords } from './common-passwords';
