export const BUILT_IN_ROLES = ['admin', 'member', 'viewer'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];
export const DEFAULT_ROLE: BuiltInRole = 'member';

/** RFC 9068 access-token type, checked in the JWT header. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

/** Provider token for the access-token signing key (a KeyObject prepared once). */
export const JWT_SIGNING_KEY = Symbol('JWT_SIGNING_KEY');

/** The authenticated caller, as guards put it on the request. */
export interface AuthUser {
  id: string;
  role: string;
  /**
   * The version of the role's permission rules read with the caller's state (null: never
   * changed; undefined: not known for this caller), so the rules can come from memory.
   */
  roleVersion?: string | null;
  sessionId: string;
  email: string;
  displayName: string;
  createdAt: string;
}

/**
 * Supplies the caller's CASL rules for `/auth/me`; provided by the authorization library (which
 * builds on this one, hence the token instead of an import).
 */
export const PERMISSIONS_PROVIDER = Symbol('PERMISSIONS_PROVIDER');
export interface PermissionsProvider {
  rulesFor(user: { id: string; role: string; roleVersion?: string | null }): Promise<object[]>;
}
