import { request } from './client';
import type { AuthTokensDto } from './openapi.gen';
import { COOKIE_FLOW, session } from './session';

/** The auth endpoints in the cookie flow. */
export const authApi = {
  async register(body: { email: string; password: string; displayName: string }) {
    const tokens = await request<AuthTokensDto>('POST', '/auth/register', {
      body,
      auth: false,
      headers: COOKIE_FLOW,
    });
    session.accept(tokens);
    return tokens;
  },
  async login(body: { email: string; password: string }) {
    const tokens = await request<AuthTokensDto>('POST', '/auth/login', {
      body,
      auth: false,
      headers: COOKIE_FLOW,
    });
    session.accept(tokens);
    return tokens;
  },
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
