import { type Ref, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { UnreadCountDto } from '../../api/openapi.gen';
import { ProblemAlert } from '../../components/ui';
import { useRealtime, useSocketEvent } from '../../lib/realtime';
import { Link } from '../../lib/router';
import { useToasts } from '../../lib/toasts';
import { NotificationList } from './NotificationList';
import { useNotifications } from './useNotifications';

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
      .get<UnreadCountDto>('/notifications/unread-count')
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
