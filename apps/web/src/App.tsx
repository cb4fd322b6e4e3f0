import { type ReactNode, useEffect, useRef, useState } from 'react';
import { connection } from './api/connection';
import { Spinner } from './components/ui';
import { useAuth } from './lib/auth';
import { type LiveState, RealtimeProvider, useRealtime } from './lib/realtime';
import { Link, navigate, useLocation } from './lib/router';
import { NotificationBell } from './pages/notifications/NotificationBell';
import { PUBLIC_PAGES, privatePage } from './routes';
import { adminPages } from './lib/admin-pages';

/** The live-updates dot in the top bar: its class and its accessible name. */
const LIVE: Record<LiveState, { dot: string; label: string }> = {
  on: { dot: 'online', label: 'Live updates on' },
  reconnecting: { dot: 'offline', label: 'Live updates reconnecting' },
  unavailable: { dot: 'unavailable', label: 'Live updates unavailable' },
};

function Shell({ children }: { children: ReactNode }) {
  const { me, signOut } = useAuth();
  const realtime = useRealtime();
  const { path } = useLocation();
  const firstAdmin = adminPages(me?.permissions)[0];
  // small screens: the navigation and the account links fold behind a menu button
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/documents" className="brand">
          Docent
        </Link>
        <button
          ref={menuButton}
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-menu"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div id="main-menu" className="topbar-menu" data-open={menuOpen}>
          <nav aria-label="Main">
            <Link to="/documents">Documents</Link>
            <Link to="/chat">Chat</Link>
            <Link to="/notifications">Notifications</Link>
            {firstAdmin ? <Link to={firstAdmin.path}>Admin</Link> : null}
          </nav>
          <div className="topbar-account">
            <Link to="/settings/sessions">{me?.displayName ?? 'Account'}</Link>
            <button
              type="button"
              className="link"
              onClick={() => void signOut().then(() => navigate('/sign-in', { replace: true }))}
            >
              Sign out
            </button>
          </div>
        </div>
        <div className="topbar-status">
          <span
            className={`dot ${LIVE[realtime.live].dot}`}
            title={LIVE[realtime.live].label}
            aria-label={LIVE[realtime.live].label}
            role="img"
          />
          <NotificationBell />
        </div>
      </header>
      <div id="main" tabIndex={-1}>
        {children}
      </div>
    </>
  );
}

function PrivatePage({ path }: { path: string }) {
  const { me } = useAuth();
  const page = privatePage(path, me?.permissions);
  if (page) return page;
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        <Link to="/documents">Go to your documents</Link>
      </p>
    </div>
  );
}

/**
 * While the api answers 503 or cannot be reached, requests retry by themselves and the session is
 * kept; this says so without blocking anything. The live region is always in the page (empty when
 * all is well) so screen readers announce the change.
 */
function ConnectionNotice() {
  const [state, setState] = useState(connection.current);
  useEffect(() => {
    const unsubscribe = connection.subscribe(setState);
    return () => {
      unsubscribe();
    };
  }, []);
  return (
    <div role="status" aria-live="polite" className="connection-notice" data-state={state}>
      {state === 'unavailable' ? (
        <>
          <strong>Service unavailable — retrying…</strong> Docent is temporarily unavailable; you
          are still signed in.
        </>
      ) : null}
    </div>
  );
}

function Page() {
  const { status } = useAuth();
  const { path, query } = useLocation();
  const wasSignedIn = useRef(false);
  const publicPage = PUBLIC_PAGES[path];

  useEffect(() => {
    if (status === 'signed-in') {
      wasSignedIn.current = true;
      if (publicPage && path !== '/reset-password') navigate('/documents', { replace: true });
      return;
    }
    if (status === 'anonymous' && !publicPage) {
      // the session ended under us (revoked, disabled, expired) or this is a first visit
      const ended = wasSignedIn.current;
      wasSignedIn.current = false;
      const next =
        path === '/' ? '' : `next=${encodeURIComponent(path + (query.size ? `?${query}` : ''))}`;
      const params = [ended ? 'ended=1' : '', ended ? '' : next].filter(Boolean).join('&');
      navigate(`/sign-in${params ? `?${params}` : ''}`, { replace: true });
    }
  }, [status, path, publicPage, query]);

  useEffect(() => {
    const title = path.split('/').filter(Boolean)[0]?.replace(/-/g, ' ') ?? 'documents';
    document.title = `${title.charAt(0).toUpperCase()}${title.slice(1)} · Docent`;
  }, [path]);

  if (status === 'loading') return <Spinner label="Loading Docent…" />;
  if (publicPage) return publicPage();
  if (status !== 'signed-in') return <Spinner label="Redirecting…" />;
  return (
    <RealtimeProvider>
      <Shell>
        <PrivatePage path={path} />
      </Shell>
    </RealtimeProvider>
  );
}

export function App() {
  return (
    <>
      <ConnectionNotice />
      <Page />
    </>
  );
}
