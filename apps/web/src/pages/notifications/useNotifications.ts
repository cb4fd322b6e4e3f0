import { api } from '../../api/client';
import type { NotificationDto, NotificationPageDto, UnreadCountDto } from '../../api/openapi.gen';
import { useRealtime, useSocketEvent } from '../../lib/realtime';
import { usePagedList } from '../../lib/usePagedList';

/** The notification list of the page and of the bell's panel: paged, live, with its actions. */
export function useNotifications(unreadOnly: boolean) {
  const realtime = useRealtime();
  const { items, setItems, cursor, error, load } = usePagedList(
    (after) =>
      api.get<NotificationPageDto>('/notifications', {
        unread: unreadOnly ? true : undefined,
        cursor: after,
        limit: 20,
      }),
    [unreadOnly],
  );

  useSocketEvent('notification', (notification) => {
    setItems((current) =>
      current ? [notification, ...current.filter((n) => n.id !== notification.id)] : current,
    );
  });

  const setReadAt = (id: string, readAt: string | null) =>
    setItems((current) => current?.map((n) => (n.id === id ? { ...n, readAt } : n)) ?? current);

  /** Optimistic: read at once (and one fewer unread); put back, and rejects, if the api refuses. */
  const markRead = async (notification: NotificationDto) => {
    const unread = realtime.unreadCount;
    setReadAt(notification.id, new Date().toISOString());
    if (unread !== null && unread > 0) realtime.setUnreadCount(unread - 1);
    try {
      await api.post(`/notifications/${notification.id}/read`);
    } catch (error) {
      setReadAt(notification.id, notification.readAt);
      if (unread !== null) realtime.setUnreadCount(unread);
      throw error;
    }
    const { count } = await api.get<UnreadCountDto>('/notifications/unread-count');
    realtime.setUnreadCount(count);
  };

  const markAllRead = async () => {
    await api.post('/notifications/read-all');
    const now = new Date().toISOString();
    setItems((current) => current?.map((n) => ({ ...n, readAt: n.readAt ?? now })) ?? current);
    realtime.setUnreadCount(0);
  };

  /** Optimistic: gone at once; back in its place, and rejects, if the api refuses. */
  const remove = async (notification: NotificationDto) => {
    const index = items?.findIndex((n) => n.id === notification.id) ?? -1;
    setItems((current) => current?.filter((n) => n.id !== notification.id) ?? current);
    try {
      await api.del(`/notifications/${notification.id}`);
    } catch (error) {
      setItems((current) => {
        if (!current || current.some((n) => n.id === notification.id)) return current;
        const at = index < 0 ? 0 : Math.min(index, current.length);
        return [...current.slice(0, at), notification, ...current.slice(at)];
      });
      throw error;
    }
  };

  return { items, cursor, error, load, markRead, markAllRead, remove };
}
