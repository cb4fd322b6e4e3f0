import { DomainEventBus, type DomainEvents } from '@docent/common';
import { RealtimeEmitter } from '@docent/notifications';
import { testEnv } from './support/config';
import { corpus, uploadAccepted } from './support/documents';
import { waitFor } from './support/http';
import { closeAll, connectSocket, listen, type TestSocket } from './support/socket';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';

// two app instances start per file; slow on a busy machine
jest.setTimeout(60_000);

interface NotificationEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Two api instances (A and B) and one worker on one PostgreSQL database and one Redis key prefix,
 * as production runs them behind a load balancer: the worker reaches sockets through Redis only
 * (`@socket.io/redis-emitter`), and the socket.io Redis adapter lets any instance serve them.
 */
describe('notifications socket across two api instances and a worker (real Redis, PostgreSQL, bull, socket.io)', () => {
  let a: Stack;
  let b: Stack;
  let urlA: string;
  let urlB: string;
  const clients: TestSocket[] = [];
  const connect = async (url: string, token: string) => {
    const client = await connectSocket(url, { token });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // what the instances must share to be one deployment
    const env = testEnv();
    const shared = {
      REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX,
      STORAGE_DIR: env.STORAGE_DIR,
      JWT_ACCESS_SECRET: env.JWT_ACCESS_SECRET,
      DATA_ENCRYPTION_KEYS: env.DATA_ENCRYPTION_KEYS,
    };
    a = await startStack(shared, { worker: true });
    b = await startStack(shared);
    urlA = await listen(a.api);
    urlB = await listen(b.api);
  });

  afterEach(() => closeAll(clients));

  afterAll(async () => {
    closeAll(clients);
    await b?.close();
    await a?.close();
  });

  it('a document uploaded through A and ingested by the worker reaches its owner on B exactly once, and nobody else', async () => {
    const owner = await signUp(a, { prefix: 'sockowner' });
    const other = await signUp(b, { prefix: 'sockother' });
    const ownerOnB = await connect(urlB, owner.token);
    const otherOnB = await connect(urlB, other.token);
    const otherOnA = await connect(urlA, other.token);

    // what the worker's pipeline emitted, to compare with what the socket received
    const emitted: DomainEvents['ingestion.progress'][] = [];
    const stop = a.worker!.get(DomainEventBus).on('ingestion.progress', (event) => {
      if (event.ownerId === owner.id) emitted.push(event);
    });
    try {
      const { accepted } = await uploadAccepted(a.http, owner, [
        {
          name: 'minimal-document.pdf',
          content: await corpus('minimal-document.pdf'),
          contentType: 'application/pdf',
        },
        { name: 'empty.docx', content: await corpus('empty.docx') },
      ]);
      const ids = accepted.map((d) => d.id);
      expect(ids).toHaveLength(2);

      // both documents end with a stored notification, pushed to the owner's socket on B
      await waitFor(async () => ownerOnB.of('notification').length >= 2, 30_000);
      // let anything duplicated or late arrive before counting
      await settle(a, owner, 2);
    } finally {
      stop();
    }

    const progress = ownerOnB.of<{ documentId: string; progress: number }>('ingestion.progress');
    expect(emitted.length).toBeGreaterThanOrEqual(4);
    // every progress event the worker emitted, once, in order, in the SPEC's shape
    expect(progress).toEqual(
      emitted.map(({ documentId, status, stage, progress: value }) => ({
        documentId,
        status,
        stage,
        progress: value,
      })),
    );

    const notifications = ownerOnB.of<NotificationEvent>('notification');
    const stored = await a.http.get('/api/v1/notifications').set(bearer(owner.token)).expect(200);
    const storedItems = stored.body.items as NotificationEvent[];
    expect(notifications.map((n) => n.id).sort()).toEqual(storedItems.map((n) => n.id).sort());
    expect(notifications.map((n) => n.type).sort()).toEqual([
      'ingestion.completed',
      'ingestion.failed',
    ]);
    const failed = notifications.find((n) => n.type === 'ingestion.failed')!;
    expect(failed.data).toMatchObject({ error: { code: 'no_extractable_text' } });
    // the unread count follows: 0 on connecting, 2 at the end
    const counts = ownerOnB.of<{ count: number }>('unread-count');
    expect(counts[0]).toEqual({ count: 0 });
    expect(counts.at(-1)).toEqual({ count: 2 });

    // the other user, connected to both instances, got nothing but their own count on connecting
    for (const bystander of [otherOnB, otherOnA]) {
      expect(bystander.events).toEqual([{ event: 'unread-count', payload: { count: 0 } }]);
    }
  });

  it('an event emitted from the worker reaches every socket of the user on both instances once', async () => {
    const user = await signUp(a, { prefix: 'sockfan' });
    const onA = await connect(urlA, user.token);
    const onB1 = await connect(urlB, user.token);
    const onB2 = await connect(urlB, user.token);

    const progress = {
      documentId: 'probe',
      status: 'processing' as const,
      stage: 'chunking' as const,
      progress: 42,
    };
    a.worker!.get(RealtimeEmitter).toUser(user.id, 'ingestion.progress', progress);

    await waitFor(
      async () => [onA, onB1, onB2].every((c) => c.of('ingestion.progress').length > 0),
      5000,
      20,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const client of [onA, onB1, onB2]) {
      expect(client.of('ingestion.progress')).toEqual([progress]);
    }
  });

  it("logging out everywhere through A disconnects the user's sockets on B and A, nobody else's", async () => {
    const user = await signUp(a, { prefix: 'sockend' });
    const other = await signUp(a, { prefix: 'sockend' });
    const onB = await connect(urlB, user.token);
    const onA = await connect(urlA, user.token);
    const bystander = await connect(urlB, other.token);
    await a.http.post('/api/v1/auth/logout-all').set(bearer(user.token)).expect(204);
    await expect(onB.disconnected).resolves.toBe('io server disconnect');
    await expect(onA.disconnected).resolves.toBe('io server disconnect');
    expect(bystander.socket.connected).toBe(true);
  });

  it('RealtimeEmitter.disconnectUser from the worker disconnects the user on both instances', async () => {
    const user = await signUp(a, { prefix: 'sockend' });
    const onB = await connect(urlB, user.token);
    const onA = await connect(urlA, user.token);
    a.worker!.get(RealtimeEmitter).disconnectUser(user.id);
    await expect(onB.disconnected).resolves.toBe('io server disconnect');
    await expect(onA.disconnected).resolves.toBe('io server disconnect');
  });
});

/** Waits until the owner has `count` stored notifications, then a little for stray events. */
async function settle(stack: Stack, owner: SignedUp, count: number): Promise<void> {
  await waitFor(async () => {
    const res = await stack.http.get('/api/v1/notifications').set(bearer(owner.token));
    return (res.body.items as unknown[] | undefined)?.length === count;
  }, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
