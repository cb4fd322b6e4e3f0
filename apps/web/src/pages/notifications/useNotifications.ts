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

  const markRead = async (notification: NotificationDto) => {
    await api.post(`/notifications/${notification.id}/read`);
    setItems(
      (current) =>
        current?.map((n) =>
          n.id === notification.id ? { ...n, readAt: new Date().toISOString() } : n,
        ) ?? current,
    );
    const { count } = await api.get<UnreadCountDto>('/notifications/unread-count');
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
