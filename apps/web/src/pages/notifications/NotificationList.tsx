import { messageOf } from '../../api/errors';
import { Empty, LoadMore, Skeleton } from '../../components/ui';
import { formatDate, relativeTime } from '../../lib/format';
import { useToasts } from '../../lib/toasts';
import type { useNotifications } from './useNotifications';

export function NotificationList({
  state,
  compact,
}: {
  state: ReturnType<typeof useNotifications>;
  compact?: boolean;
}) {
  const toasts = useToasts();
  // the list changed at once (optimistic); the hook put it back when the api refused
  const guard = (action: Promise<unknown>, title: string) =>
    action.catch((e: unknown) => toasts.show({ tone: 'error', title, body: messageOf(e) }));
  if (state.items === null) return <Skeleton label="Loading notifications…" />;
  if (state.items.length === 0) {
    return (
      <Empty hint="You are told here when a document is ready or fails, and when someone shares one with you.">
        No notifications.
      </Empty>
    );
  }
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
                  onClick={() =>
                    void guard(state.markRead(n), `Could not mark as read: ${n.title}`)
                  }
                  aria-label={`Mark read: “${n.title}”`}
                >
                  Mark read
                </button>
              )}
              {compact ? null : (
                <button
                  type="button"
                  onClick={() => void guard(state.remove(n), `Could not delete: ${n.title}`)}
                  aria-label={`Delete “${n.title}”`}
                >
                  Delete
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {compact ? null : <LoadMore cursor={state.cursor} load={state.load} />}
    </>
  );
}
