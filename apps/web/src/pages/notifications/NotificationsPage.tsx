import { useState } from 'react';
import { ProblemAlert } from '../../components/ui';
import { Link } from '../../lib/router';
import { NotificationList } from './NotificationList';
import { useNotifications } from './useNotifications';

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
