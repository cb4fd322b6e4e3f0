/** Api: a password was changed (by the user) or reset (by link). */
export interface PasswordChangedEvent {
  userId: string;
  via: 'change' | 'reset';
  ip: string | null;
}

/**
 * Api: a login from a device (network and coarse user agent, e.g. "Firefox on Windows") the user
 * has not signed in from recently; never for an account's first login. `at` is ISO-8601.
 */
export interface NewSignInEvent {
  userId: string;
  ip: string | null;
  device: string;
  at: string;
}

/** Api: someone signed in with their password, or signed up (usage analytics, in the chat library). */
export interface SignedInEvent {
  userId: string;
  via: 'login' | 'register';
}

/** Api: a session ended (logout, revoke, token reuse, password change). */
export interface SessionEndedEvent {
  userId: string;
  sessionId: string;
}

/** Api: every session of a user ended (logout everywhere, disabled, deleted). */
export interface UserSessionsEndedEvent {
  userId: string;
  reason: 'logout_all' | 'disabled' | 'deleted' | 'password_changed';
}

/** The auth library's events, declared here once (see `DomainEvents` in @docent/common). */
declare module '@docent/common' {
  interface DomainEvents {
    'security.password_changed': PasswordChangedEvent;
    'security.new_sign_in': NewSignInEvent;
    'auth.signed_in': SignedInEvent;
    'session.ended': SessionEndedEvent;
    'user.sessions_ended': UserSessionsEndedEvent;
  }
}
