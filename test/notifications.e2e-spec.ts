import { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent } from '@docent/audit';
import { CACHE, type DocentCache } from '@docent/redis';
import { NotificationsService, type NotificationType } from '@docent/notifications';
import { waitFor } from './support/http';
import { connectSocket, listen } from './support/socket';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';

// the machine is shared: generous per-test limits (no timing is asserted)
jest.setTimeout(60_000);

/** SPEC §8: the notification center over REST (owner-only, paginated) and the preferences. */
describe('notification center (SPEC §8)', () => {
  let stack: Stack;
  let service: NotificationsService;

  beforeAll(async () => {
    stack = await startStack();
    service = stack.api.get(NotificationsService, { strict: false });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const register = (role?: string) => signUp(stack, { role, prefix: 'notif' });

  /** Stores `n` notifications for a user, oldest first; returns their ids newest first. */
  async function seed(user: SignedUp, n: number, type: NotificationType = 'document.shared') {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { notification } = await service.notify(user.id, type, {
        title: `title ${i}`,
        body: `body ${i}`,
        data: { index: i },
      });
      ids.push(notification!.id);
    }
    return ids.reverse();
  }

  const get = (user: SignedUp, path: string) =>
    stack.http.get(`/api/v1/notifications${path}`).set(bearer(user.token));
  const post = (user: SignedUp, path: string) =>
    stack.http.post(`/api/v1/notifications${path}`).set(bearer(user.token));

  async function listAll(user: SignedUp, query: string, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await get(
        user,
        `?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ).expect(200);
      pages.push(res.body.items.map((item: { id: string }) => item.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    return pages;
  }

  it('lists your own notifications newest first, in cursor pages without gaps or repeats', async () => {
    const alice = await register();
    const bob = await register();
    const ids = await seed(alice, 25);
    await seed(bob, 3);

    const first = await get(alice, '?limit=10').expect(200);
    expect(first.body.items).toHaveLength(10);
    expect(first.body.items[0]).toEqual({
      id: ids[0],
      type: 'document.shared',
      title: 'title 24',
      body: 'body 24',
      data: { index: 24 },
      readAt: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(typeof first.body.nextCursor).toBe('string');

    const pages = await listAll(alice, '', 10);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(ids);

    // the default page size is 20, the maximum 100
    expect((await get(alice, '').expect(200)).body.items).toHaveLength(20);
    const tooMany = await get(alice, '?limit=101');
    expect(tooMany.status).toBe(400);
    const badCursor = await get(alice, '?cursor=nonsense');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.code).toBe('invalid_cursor');
    expect((await get(alice, '?unread=maybe')).status).toBe(400);
  });

  it('filters unread, counts them, marks one read (idempotently) and all read', async () => {
    const alice = await register();
    const ids = await seed(alice, 6);
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 6 });

    const read = await post(alice, `/${ids[1]}/read`).expect(200);
    expect(read.body.id).toBe(ids[1]);
    expect(read.body.readAt).toEqual(expect.any(String));
    // the cached count was dropped on the change
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 5 });
    const again = await post(alice, `/${ids[1]}/read`).expect(200);
    expect(again.body.readAt).toBe(read.body.readAt);
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 5 });

    await post(alice, `/${ids[3]}/read`).expect(200);
    const unreadPages = await listAll(alice, '&unread=true', 2);
    expect(unreadPages.flat()).toEqual([ids[0], ids[2], ids[4], ids[5]]);
    expect(unreadPages.map((page) => page.length)).toEqual([2, 2]);
    const readOnly = await get(alice, '?unread=false').expect(200);
    expect(readOnly.body.items.map((item: { id: string }) => item.id)).toEqual([ids[1], ids[3]]);

    expect((await post(alice, '/read-all').expect(200)).body).toEqual({ updated: 4 });
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 0 });
    expect((await get(alice, '?unread=true').expect(200)).body).toEqual({
      items: [],
      nextCursor: null,
    });
    expect((await post(alice, '/read-all').expect(200)).body).toEqual({ updated: 0 });
  });

  it('caches the unread count in the cache provider and drops it on every change', async () => {
    const alice = await register();
    const [newest] = await seed(alice, 2);
    const cache = stack.api.get<typeof CACHE, DocentCache>(CACHE, { strict: false });
    const key = `notifications:unread-count:${alice.id}`;
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 2 });
    expect(await cache.get(key)).toBe(2);
    // a stale cached value is what the endpoint answers (proof it reads the cache)…
    await cache.set(key, 42, 60_000);
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 42 });
    // …until a change drops it
    await stack.http.delete(`/api/v1/notifications/${newest}`).set(bearer(alice.token)).expect(204);
    // dropped, then filled again with the fresh count pushed to the user's sockets
    expect(await cache.get(key)).toBe(1);
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 1 });
    await seed(alice, 1);
    expect((await get(alice, '/unread-count').expect(200)).body).toEqual({ count: 2 });
  });

  it("answers 404 for another user's notification on read and delete, and deletes your own", async () => {
    const alice = await register();
    const bob = await register();
    const admin = await register('admin');
    const [bobs] = await seed(bob, 1);
    const [alices] = await seed(alice, 1);

    for (const intruder of [alice, admin]) {
      const read = await post(intruder, `/${bobs}/read`);
      expect(read.status).toBe(404);
      expect(read.body.code).toBe('notification_not_found');
      const removed = await stack.http
        .delete(`/api/v1/notifications/${bobs}`)
        .set(bearer(intruder.token));
      expect(removed.status).toBe(404);
      const listed = await get(intruder, '?limit=100').expect(200);
      expect(listed.body.items.map((item: { id: string }) => item.id)).not.toContain(bobs);
    }
    // read-all by Alice leaves Bob's unread
    await post(alice, '/read-all').expect(200);
    expect((await get(bob, '/unread-count').expect(200)).body).toEqual({ count: 1 });

    await stack.http.delete(`/api/v1/notifications/${alices}`).set(bearer(alice.token)).expect(204);
    expect((await get(alice, '').expect(200)).body.items).toEqual([]);
    const twice = await stack.http
      .delete(`/api/v1/notifications/${alices}`)
      .set(bearer(alice.token));
    expect(twice.status).toBe(404);
    expect((await post(alice, '/not-a-uuid/read')).status).toBe(400);
    expect((await stack.http.get('/api/v1/notifications')).status).toBe(401);
    // a viewer has a notification center too
    const viewer = await register('viewer');
    await seed(viewer, 1);
    expect((await get(viewer, '').expect(200)).body.items).toHaveLength(1);
  });

  it("pushes a new notification and every unread-count change to the owner's sockets only", async () => {
    const alice = await register();
    const bob = await register();
    const url = await listen(stack.api);
    const origin = stack.config.app.corsOrigins[0];
    const mine = await connectSocket(url, { token: alice.token, origin });
    const theirs = await connectSocket(url, { token: bob.token, origin });
    try {
      const [id] = await seed(alice, 1);
      await waitFor(async () => mine.of('notification').length === 1, 5000);
      expect(mine.of<{ id: string }>('notification')[0]).toMatchObject({
        id,
        type: 'document.shared',
        title: 'title 0',
        readAt: null,
      });
      await waitFor(
        async () => mine.of<{ count: number }>('unread-count').some((c) => c.count === 1),
        5000,
      );
      await post(alice, `/${id}/read`).expect(200);
      await waitFor(
        async () => mine.of<{ count: number }>('unread-count').at(-1)?.count === 0,
        5000,
      );
      expect(theirs.of('notification')).toEqual([]);
    } finally {
      mine.socket.close();
      theirs.socket.close();
    }
  });

  it('has default preferences, merges partial updates, audits them and refuses unknown types', async () => {
    const alice = await register();
    const defaults = await get(alice, '/preferences').expect(200);
    expect(defaults.body).toEqual({
      'ingestion.completed': { inApp: true, email: true },
      'ingestion.failed': { inApp: true, email: true },
      'document.shared': { inApp: true, email: true },
      'security.password_changed': { inApp: true, email: true },
      'security.new_sign_in': { inApp: true, email: true },
    });

    const put = (body: object) =>
      stack.http.put('/api/v1/notifications/preferences').set(bearer(alice.token)).send(body);
    const first = await put({ 'document.shared': { email: false } }).expect(200);
    expect(first.body['document.shared']).toEqual({ inApp: true, email: false });
    const second = await put({
      'document.shared': { inApp: false },
      'ingestion.completed': { inApp: false, email: false },
    }).expect(200);
    expect(second.body).toEqual({
      'ingestion.completed': { inApp: false, email: false },
      'ingestion.failed': { inApp: true, email: true },
      'document.shared': { inApp: false, email: false },
      'security.password_changed': { inApp: true, email: true },
      'security.new_sign_in': { inApp: true, email: true },
    });
    expect((await get(alice, '/preferences').expect(200)).body).toEqual(second.body);

    const unknown = await put({ 'chat.answered': { inApp: false }, 'document.shared': {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'chat.answered' })]),
    );
    const badChannel = await put({ 'document.shared': { sms: true } });
    expect(badChannel.status).toBe(400);
    expect(badChannel.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'document.shared.sms' })]),
    );
    const notBoolean = await put({ 'document.shared': { email: 'yes' } });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'document.shared.email' })]),
    );
    expect((await put({ 'document.shared': true })).status).toBe(400);
    // nothing changed by the refused requests
    expect((await get(alice, '/preferences').expect(200)).body).toEqual(second.body);

    const audits = await stack.api
      .get(EntityManager)
      .fork()
      .find(
        AuditEvent,
        { action: 'notifications.preferences_updated', targetId: alice.id },
        { orderBy: { occurredAt: 'asc', id: 'asc' } },
      );
    expect(audits).toHaveLength(2);
    expect(audits[0].actorId).toBe(alice.id);
    expect(audits[1].metadata).toEqual({
      changes: {
        'ingestion.completed': {
          before: { inApp: true, email: true },
          after: { inApp: false, email: false },
        },
        'document.shared': {
          before: { inApp: true, email: false },
          after: { inApp: false, email: false },
        },
      },
    });

    // the in-app preference is honoured: nothing is stored for a type switched off
    const { notification } = await service.notify(alice.id, 'document.shared', {
      title: 't',
      body: 'b',
    });
    expect(notification).toBeNull();
    expect((await get(alice, '').expect(200)).body.items).toEqual([]);
  });
});
