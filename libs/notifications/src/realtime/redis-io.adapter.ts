import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import type { DocentConfig } from '@docent/config';
import { closeRedisClient, createRedisClient, type RedisClient } from '@docent/redis';
import { socketIoKey } from './realtime.events';
import { withHandledPublish, withHandledSubscriptions } from './redis-publisher';

/** Path of the socket.io endpoint (socket.io's default; outside `/api/v1`, next to it). */
export const SOCKET_IO_PATH = '/socket.io';

/**
 * socket.io on the api's Fastify HTTP server, with the Redis adapter so every api instance shares
 * rooms (and the worker's `@socket.io/redis-emitter`, on the same key, reaches them all).
 *
 * - messages are bounded (`maxHttpBufferSize` = SOCKET_MAX_MESSAGE_BYTES);
 * - CORS for the long-polling transport follows CORS_ORIGINS; the gateway's middleware checks the
 *   handshake's Origin for every transport (WebSocket upgrades ignore CORS);
 * - the default namespace `/` refuses every connection: only `/notifications` serves;
 * - its own two Redis connections (a subscriber cannot run other commands), closed on shutdown;
 *   channel names carry REDIS_KEY_PREFIX through the adapter key (`socketIoKey`), not ioredis'
 *   keyPrefix, which does not apply to pub/sub.
 */
export class RedisIoAdapter extends IoAdapter {
  protected override readonly logger = new Logger('RedisIoAdapter');
  private readonly clients: RedisClient[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly config: Pick<DocentConfig, 'app' | 'redis' | 'notifications'>,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { redis, app, notifications } = this.config;
    const pub = createRedisClient(redis, { name: 'socket.io-pub', keyPrefix: false });
    // a subscriber waits for Redis instead of failing its (re)subscriptions
    const sub = createRedisClient(redis, {
      name: 'socket.io-sub',
      keyPrefix: false,
      failFast: false,
      overrides: { maxRetriesPerRequest: null },
      shardedSubscriber: true,
    });
    this.clients.push(pub, sub);
    const key = socketIoKey(redis.keyPrefix);
    // One node: classic pub/sub (PUBLISH/PSUBSCRIBE). A cluster: sharded pub/sub (Redis ≥ 7,
    // SPUBLISH/SSUBSCRIBE), each room's channel on the master owning its slot, instead of every
    // message crossing the whole cluster bus; the worker's emitter follows (realtime.emitter.ts).
    const adapter = redis.cluster
      ? createShardedAdapter(
          withHandledPublish(pub, this.logger),
          withHandledSubscriptions(sub, this.logger),
          { channelPrefix: key, subscriptionMode: 'dynamic' },
        )
      : createAdapter(
          withHandledPublish(pub, this.logger),
          withHandledSubscriptions(sub, this.logger),
          { key },
        );
    // socket.io fills in what is not given (its ServerOptions type lists every option as set)
    const serverOptions: Partial<ServerOptions> = {
      ...options,
      path: SOCKET_IO_PATH,
      serveClient: false,
      maxHttpBufferSize: notifications.socketMaxMessageBytes,
      cors: { origin: app.corsOrigins, credentials: true, methods: ['GET', 'POST'] },
      adapter,
    };
    const server = super.createIOServer(port, serverOptions as ServerOptions);
    server.of('/').use((_socket, next) => next(new Error('unauthorized')));
    return server;
  }

  /**
   * Like socket.io's `close()` but leaves the HTTP server to Fastify, which closes it after Nest's
   * shutdown: the engine's connections close (clients see "transport close" and reconnect,
   * to another instance behind a load balancer), then the adapters unsubscribe. Namespaces (the
   * gateway's `server`) are closed with their root.
   */
  override async close(server: unknown): Promise<void> {
    const root = server as Partial<Server>;
    if (!(root._nsps instanceof Map) || !root.engine) return;
    root.engine.close();
    await Promise.allSettled(
      [...root._nsps.values()].map((namespace) => namespace.adapter.close()),
    );
  }

  override async dispose(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => closeRedisClient(client)));
  }
}
