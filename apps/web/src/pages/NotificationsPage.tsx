import { type Ref, useCallback, useEffect, useRef, useState } from 'react';
import { api, messageOf } from '../api/client';
import type {
  ChannelPreferenceDto,
  NotificationDto,
  NotificationPreferencesDto,
} from '../api/openapi.gen';
import type { Page } from '../api/extra-types';
import { Empty, ProblemAlert, Spinner } from '../components/ui';
import { formatDate, relativeTime } from '../lib/format';
import { useRealtime, useSocketEvent } from '../lib/realtime';
import { Link } from '../lib/router';
import { useToasts } from '../lib/toasts';

const TYPE_LABEL: Record<string, string> = {
  'ingestion.completed': 'A document finished processing',
  'ingestion.failed': 'A document could not be processed',
  'document.shared': 'Someone shared a document with you',
  'security.password_changed': 'Your password was changed',
  'security.new_sign_in': 'Someone signed in from a new device',
};

/** Security notices cannot be switched off (the api refuses it): shown checked and disabled. */
const ALWAYS_ON = new Set(['security.password_changed', 'security.new_sign_in']);
const ALWAYS_ON_HINT = 'Security notices are always on';

function useNotifications(unreadOnly: boolean) {
  const [items, setItems] = useState<NotificationDto[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const realtime = useRealtime();

  const load = useCallback(
    async (after?: string) => {
      try {
        const page = await api.get<Page<NotificationDto>>('/notifications', {
          unread: unreadOnly ? true : undefined,
          cursor: after,
          limit: 20,
        });
        setItems((current) => (after && current ? [...current, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (e) {
        setError(e);
        setItems((current) => current ?? []);
      }
    },
    [unreadOnly],
  );

  useEffect(() => {
    void load();
  }, [load]);

  useSocketEvent('notification', (notification) => {
    setItems((current) =>
      current ? [notification, ...current.filter((n) => n.id !== notification.id)] : current,
    );
  });

  const markRead = async (notification: NotificationDto) => {
    await api.post(`/notifications/${notification.id}/read`);
    setItems(
      (current) =>
        current?.map((n) =>
          n.id === notification.id ? { ...n, readAt: new Date().toISOString() } : n,
        ) ?? current,
    );
    const { count } = await api.get<{ count: number }>('/notifications/unread-count');
    realtime.setUnreadCount(count);
  };

  const markAllRead = async () => {
    await api.post('/notifications/read-all');
    const now = new Date().toISOString();
    setItems((current) => current?.map((n) => ({ ...n, readAt: n.readAt ?? now })) ?? current);
    realtime.setUnreadCount(0);
  };

  const remove = async (notification: NotificationDto) => {
    await api.del(`/notifications/${notification.id}`);
    setItems((current) => current?.filter((n) => n.id !== notification.id) ?? current);
  };

  return { items, cursor, error, load, markRead, markAllRead, remove };
}

function NotificationList({
  state,
  compact,
}: {
  state: ReturnType<typeof useNotifications>;
  compact?: boolean;
}) {
  const toasts = useToasts();
  const guard = (action: Promise<unknown>) =>
    action.catch((e: unknown) =>
      toasts.show({ tone: 'error', title: 'Failed', body: messageOf(e) }),
    );
  if (state.items === null) return <Spinner label="Loading notifications…" />;
  if (state.items.length === 0) return <Empty>No notifications.</Empty>;
  return (
    <>
      <ul className="notifications">
        {state.items.map((n) => (
          <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
            <div>
              <strong>{n.title}</strong>
              {n.readAt ? null : <span className="badge">new</span>}
              <p>{n.body}</p>
              <small className="muted" title={formatDate(n.createdAt)}>
                {relativeTime(n.createdAt)}
              </small>
            </div>
            <div className="row-actions">
              {n.readAt ? null : (
                <button
                  type="button"
                  onClick={() => void guard(state.markRead(n))}
                  aria-label={`Mark “${n.title}” as read`}
                >
                  Mark read
                </button>
              )}
              {compact ? null : (
                <button
                  type="button"
                  onClick={() => void guard(state.remove(n))}
                  aria-label={`Delete “${n.title}”`}
                >
                  Delete
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {state.cursor && !compact ? (
        <button type="button" onClick={() => void state.load(state.cursor!)}>
          Load more
        </button>
      ) : null}
    </>
  );
}

/** The bell in the header: live unread badge, a panel with the latest notifications, toasts. */
export function NotificationBell() {
  const realtime = useRealtime();
  const toasts = useToasts();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    // the socket pushes the count on connect; fetch it too in case the socket is slow
    api
      .get<{ count: number }>('/notifications/unread-count')
      .then(({ count }) => realtime.setUnreadCount(count))
      .catch(() => undefined);
  }, []);

  useSocketEvent('notification', (n) => {
    toasts.show({
      tone:
        n.type === 'ingestion.failed'
          ? 'error'
          : n.type === 'ingestion.completed'
            ? 'success'
            : 'info',
      title: n.title,
      body: n.body,
    });
  });

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (event: MouseEvent) => {
      if (
        !panel.current?.contains(event.target as Node) &&
        !button.current?.contains(event.target as Node)
      )
        setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const count = realtime.unreadCount ?? 0;
  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="icon bell-button"
        aria-label={`Notifications${count > 0 ? `, ${count} unread` : ''}`}
        aria-expanded={open}
        aria-controls="notification-panel"
        onClick={() => setOpen(!open)}
      >
        <svg
          aria-hidden="true"
          width="20"
          height="20"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
          strokeLinejoin="round"
        >
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
          <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {count > 0 ? (
          <span className="bell-badge" data-testid="unread-badge" aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        ) : null}
      </button>
      {open ? <BellPanel ref={panel} onNavigate={() => setOpen(false)} /> : null}
    </div>
  );
}

function BellPanel({ ref, onNavigate }: { ref: Ref<HTMLDivElement>; onNavigate: () => void }) {
  const state = useNotifications(false);
  return (
    <div
      ref={ref}
      id="notification-panel"
      className="bell-panel"
      role="region"
      aria-label="Notification panel"
    >
      <div className="bell-panel-header">
        <h2>Notifications</h2>
        <button type="button" className="link" onClick={() => void state.markAllRead()}>
          Mark all read
        </button>
      </div>
      {state.error ? <ProblemAlert error={state.error} /> : null}
      <NotificationList state={state} compact />
      <p>
        <Link to="/notifications" onClick={onNavigate}>
          All notifications
        </Link>{' '}
        ·{' '}
        <Link to="/settings/notifications" onClick={onNavigate}>
          Preferences
        </Link>
      </p>
    </div>
  );
}

export function NotificationsPage() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const state = useNotifications(unreadOnly);
  return (
    <div className="page">
      <header className="page-header">
        <h1>Notifications</h1>
        <div className="row-actions">
          <label>
            <input
              type="checkbox"
              checked={unreadOnly}
              onChange={(e) => setUnreadOnly(e.target.checked)}
            />{' '}
            Unread only
          </label>
          <button type="button" onClick={() => void state.markAllRead()}>
            Mark all read
          </button>
          <Link to="/settings/notifications">Preferences</Link>
        </div>
      </header>
      {state.error ? <ProblemAlert error={state.error} /> : null}
      <NotificationList state={state} />
    </div>
  );
}

type PreferenceType = keyof NotificationPreferencesDto;

export function PreferencesPage() {
  const toasts = useToasts();
  const [prefs, setPrefs] = useState<NotificationPreferencesDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .get<NotificationPreferencesDto>('/notifications/preferences')
      .then(setPrefs)
      .catch((e: unknown) => setError(e));
  }, []);

  const toggle = async (type: PreferenceType, channel: 'inApp' | 'email', value: boolean) => {
    const previous = prefs;
    setPrefs((current) =>
      current ? { ...current, [type]: { ...current[type], [channel]: value } } : current,
    );
    try {
      setPrefs(
        await api.put<NotificationPreferencesDto>('/notifications/preferences', {
          [type]: { [channel]: value },
        }),
      );
    } catch (e) {
      setPrefs(previous);
      toasts.show({ tone: 'error', title: 'Could not save', body: messageOf(e) });
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>Notification preferences</h1>
      </header>
      {error ? <ProblemAlert error={error} /> : null}
      {prefs === null && !error ? (
        <Spinner />
      ) : prefs ? (
        <table className="matrix">
          <caption className="visually-hidden">How you are told about each kind of event</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">In the app</th>
              <th scope="col">By e-mail</th>
            </tr>
          </thead>
          <tbody>
            {(Object.entries(prefs) as [PreferenceType, ChannelPreferenceDto][]).map(
              ([type, pref]) => {
                const fixed = ALWAYS_ON.has(type);
                return (
                  <tr key={type}>
                    <th scope="row">
                      {TYPE_LABEL[type] ?? type}
                      {fixed ? (
                        <small className="muted"> ({ALWAYS_ON_HINT.toLowerCase()})</small>
                      ) : null}
                    </th>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`${TYPE_LABEL[type] ?? type}: in the app`}
                        checked={fixed || pref.inApp}
                        disabled={fixed}
                        title={fixed ? ALWAYS_ON_HINT : undefined}
                        onChange={(e) => void toggle(type, 'inApp', e.target.checked)}
                      />
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`${TYPE_LABEL[type] ?? type}: by e-mail`}
                        checked={fixed || pref.email}
                        disabled={fixed}
                        title={fixed ? ALWAYS_ON_HINT : undefined}
                        onChange={(e) => void toggle(type, 'email', e.target.checked)}
                      />
                    </td>
                  </tr>
                );
              },
            )}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
