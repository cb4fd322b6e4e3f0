import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppSettings, AuthSettings } from '@docent/config';

/** Name of the httpOnly cookie holding the refresh token for browsers. */
export const REFRESH_COOKIE_NAME = 'docent_refresh';
/** The cookie is only ever sent to the auth endpoints that use it (refresh, logout). */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';
/**
 * The header a browser sends to take part in the cookie flow. Sending it means: "take the refresh
 * token from the cookie when my body has none, and keep it out of the JSON body of the answer".
 * Being a custom header, a cross-site page can only send it after a CORS preflight, which the
 * CORS_ORIGINS allow-list refuses: together with SameSite=Strict this is the CSRF defence of the
 * cookie-authenticated refresh and logout.
 */
export const REFRESH_TRANSPORT_HEADER = 'x-refresh-token-transport';
export const REFRESH_TRANSPORT_COOKIE = 'cookie';

/** Reads one cookie out of a `Cookie` request header (RFC 6265 §5.4 syntax). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() !== name) continue;
    const value = part.slice(index + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The browser side of the refresh token: an httpOnly, SameSite=Strict cookie scoped to
 * `/api/v1/auth`. It is `Secure` whenever PUBLIC_APP_URL is https (every real deployment); a
 * plain-http PUBLIC_APP_URL (local development, the browser tests) gets a cookie without `Secure`,
 * since browsers drop Secure cookies set over http for any host but localhost.
 */
@Injectable()
export class RefreshCookie {
  private readonly secure: boolean;
  private readonly maxAgeSeconds: number;

  constructor(config: ConfigService) {
    const app = config.getOrThrow<AppSettings>('app');
    this.secure = new URL(app.publicAppUrl).protocol === 'https:';
    this.maxAgeSeconds = Math.floor(config.getOrThrow<AuthSettings>('auth').jwtRefreshTtlMs / 1000);
  }

  /** `Set-Cookie` value carrying a freshly issued refresh token. */
  issue(refreshToken: string): string {
    return this.serialize(encodeURIComponent(refreshToken), this.maxAgeSeconds);
  }

  /** `Set-Cookie` value removing the cookie. */
  clear(): string {
    return this.serialize('', 0);
  }

  private serialize(value: string, maxAge: number): string {
    const parts = [
      `${REFRESH_COOKIE_NAME}=${value}`,
      `Path=${REFRESH_COOKIE_PATH}`,
      `Max-Age=${maxAge}`,
      'HttpOnly',
      'SameSite=Strict',
    ];
    if (maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    if (this.secure) parts.push('Secure');
    return parts.join('; ');
  }
}
