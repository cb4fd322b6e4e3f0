import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { ShardedEmitter } from './sharded-emitter';

const NSP = '/notifications';

/**
 * The worker's sharded emitter against the real `createShardedAdapter` on a real Redis (sharded
 * pub/sub also works on one Redis 7 node): what it publishes is what the adapter understands.
 */
describe('ShardedEmitter', () => {
  const prefix = `docent-test-${randomBytes(4).toString('hex')}:`;
  const key = `${prefix}socket.io`;
  let http: HttpServer;
  let server: Server;
  let pub: Redis;
  let sub: Redis;
  let publisher: Redis;
  let client: Socket;

  beforeEach(async () => {
    pub = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    sub = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    // like REDIS_CLIENT: its keyPrefix also applies to SPUBLISH channels
    publisher = new Redis({ host: '127.0.0.1', port: 6379, keyPrefix: prefix, lazyConnect: true });
    // connected first: a one-node subscriber's ready check must not follow an SSUBSCRIBE
    await Promise.all([pub.connect(), sub.connect(), publisher.connect()]);
    http = createServer();
    server = new Server(http, {
      adapter: createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: 'dynamic' }),
    });
    server.of(NSP).on('connection', (socket) => {
      void socket.join('user:u1');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    client = connect(`http://127.0.0.1:${port}${NSP}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    // the room's channel is subscribed when the room is created
    await waitUntil(async () => {
      const [, count] = (await pub.call('PUBSUB', 'SHARDNUMSUB', `${key}#${NSP}#user:u1#`)) as [
        string,
        number,
      ];
      return count > 0;
    });
  });

  afterEach(async () => {
    client.close();
    await new Promise<void>((resolve) => {
      void server.close(() => resolve());
    });
    pub.disconnect();
    sub.disconnect();
    publisher.disconnect();
  });

  it('emits an event to the sockets of one room', async () => {
    const received = new Promise<unknown>((resolve) => client.once('ingestion.progress', resolve));
    new ShardedEmitter(publisher, key, NSP).emitToRoom('user:u1', 'ingestion.progress', {
      progress: 42,
    });
    await expect(received).resolves.toEqual({ progress: 42 });
  });

  it('disconnects the sockets of one room', async () => {
    const disconnected = new Promise<string>((resolve) => client.once('disconnect', resolve));
    new ShardedEmitter(publisher, key, NSP).disconnectRoom('user:u1');
    await expect(disconnected).resolves.toBe('io server disconnect');
  });

  it('refuses a publisher whose keyPrefix is not the start of the channel prefix', () => {
    expect(() => new ShardedEmitter(publisher, 'other:socket.io', NSP)).toThrow(/keyPrefix/);
  });
});

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
