import { request } from './client';
import type { AuthTokensDto } from './openapi.gen';
import { COOKIE_FLOW, session } from './session';

/** Register and login: unauthenticated, in the cookie flow, and the answer starts the session. */
async function openSession(path: string, body: object): Promise<AuthTokensDto> {
  const tokens = await request<AuthTokensDto>('POST', path, {
    body,
    auth: false,
    headers: COOKIE_FLOW,
  });
  session.accept(tokens);
  return tokens;
}

/** The auth endpoints in the cookie flow. */
export const authApi = {
  register: (body: { email: string; password: string; displayName: string }) =>
    openSession('/auth/register', body),
  login: (body: { email: string; password: string }) => openSession('/auth/login', body),
  async logout() {
    try {
      await request<void>('POST', '/auth/logout', { body: {}, headers: COOKIE_FLOW });
    } finally {
      session.clear();
    }
  },
  async logoutAll() {
    try {
      await request<void>('POST', '/auth/logout-all', { body: {} });
    } finally {
      session.clear();
    }
  },
  forgot: (email: string) =>
    request<void>('POST', '/auth/forgot-password', { body: { email }, auth: false }),
  reset: (token: string, newPassword: string) =>
    request<void>('POST', '/auth/reset-password', { body: { token, newPassword }, auth: false }),
};
