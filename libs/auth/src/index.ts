export * from './entities';
export * from './auth.constants';
export * from './auth.module';
export * from './auth-http.module';
export * from './auth-worker.module';
export { AUTH_ERROR_CODES, type AuthErrorCode } from './auth.errors';
export { AccountService, normalizeEmail } from './accounts/account.service';
export { AdminBootstrap } from './accounts/admin-bootstrap';
export { LoginLockout } from './accounts/login-lockout';
export { SessionService } from './sessions/session.service';
export {
  AUTH_PURGE_EVERY_MS,
  AUTH_PURGE_JOB_ID,
  AuthPurge,
  type AuthPurgeResult,
  ENDED_SESSION_RETENTION_MS,
} from './maintenance/auth-purge';
export { RevocationStore, roleVersionKey } from './sessions/revocation.store';
export { AccessTokenService } from './tokens/access-token.service';
export { AccessTokenVerifier, type VerifiedAccessToken } from './tokens/access-token.verifier';
export { CurrentUser } from './guards/current-user.decorator';
export { AuthRateLimit, StrictRateLimit } from './throttle/throttle';
export { PasswordHasher } from './passwords';
export * from './events/auth-events';
export { PASSWORD_MAX_CHARS, RegisterDto } from './dto/auth-request.dto';
export { UserDto } from './dto/auth-response.dto';
