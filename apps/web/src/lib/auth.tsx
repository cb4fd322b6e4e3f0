import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { authApi } from '../api/auth-api';
import { api } from '../api/client';
import { ApiError } from '../api/errors';
import { session } from '../api/session';
import type { MeDto, PermissionRuleDto } from '../api/openapi.gen';

type Status = 'loading' | 'anonymous' | 'signed-in';

interface AuthState {
  status: Status;
  me: MeDto | null;
  signIn(email: string, password: string): Promise<void>;
  signUp(email: string, password: string, displayName: string): Promise<void>;
  signOut(): Promise<void>;
  signOutEverywhere(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** Whether one CASL rule is about `action` on `subject` (`manage` and `all` included). */
export function ruleMatches(rule: PermissionRuleDto, action: string, subject: string): boolean {
  const actions = list(rule.action);
  const subjects = list(rule.subject);
  return (
    (actions.includes(action) || actions.includes('manage')) &&
    (subjects.includes(subject) || subjects.includes('all'))
  );
}

/** Whether the CASL rules from `/auth/me` allow `action` on `subject` (ignoring conditions). */
export function can(
  rules: PermissionRuleDto[] | undefined,
  action: string,
  subject: string,
): boolean {
  let allowed = false;
  for (const rule of rules ?? []) {
    if (!ruleMatches(rule, action, subject)) continue;
    if (rule.inverted) {
      if (!rule.conditions) return false;
    } else {
      allowed = true;
    }
  }
  return allowed;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [me, setMe] = useState<MeDto | null>(null);

  const loadMe = useCallback(async () => {
    const current = await api.get<MeDto>('/auth/me');
    setMe(current);
    setStatus('signed-in');
  }, []);

  useEffect(() => {
    // a reload: the access token is gone with the page, the cookie may still be good
    let cancelled = false;
    // an outage (503, no answer) is no reason to sign out: keep trying until the server answers
    void (async () => {
      for (;;) {
        const outcome = await session.renew();
        if (cancelled) return;
        if (outcome === 'ended') {
          setStatus('anonymous');
          return;
        }
        if (outcome === 'unavailable') continue;
        try {
          await loadMe();
          return;
        } catch (error) {
          if (cancelled) return;
          const temporary =
            error instanceof ApiError && (error.status === 0 || error.status >= 500);
          if (!temporary) {
            setStatus('anonymous');
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      }
    })();
    const unsubscribe = session.subscribe(() => {
      if (!session.signedIn) {
        setMe(null);
        setStatus('anonymous');
      }
    });
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [loadMe]);

  const value = useMemo<AuthState>(
    () => ({
      status,
      me,
      async signIn(email, password) {
        await authApi.login({ email, password });
        await loadMe();
      },
      async signUp(email, password, displayName) {
        await authApi.register({ email, password, displayName });
        await loadMe();
      },
      async signOut() {
        await authApi.logout().catch(() => undefined);
      },
      async signOutEverywhere() {
        await authApi.logoutAll();
      },
    }),
    [status, me, loadMe],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
