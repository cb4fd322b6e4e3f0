import { context, SpanKind, trace } from '@opentelemetry/api';
import { Emitter } from '@socket.io/redis-emitter';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { ConfigService } from '@nestjs/config';
import type { RedisSettings } from '@docent/config';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import {
  NOTIFICATIONS_NAMESPACE,
  type ServerEventName,
  type ServerEventPayload,
  type ServerToClientEvents,
  sessionRoom,
  socketIoKey,
  userRoom,
} from './realtime.events';
import { withHandledPublish } from './redis-publisher';
import { ShardedEmitter } from './sharded-emitter';

/**
 * Emits to `/notifications` sockets on every api instance through Redis, from any process: the
 * worker never talks to the api over HTTP. One node: `@socket.io/redis-emitter` (classic pub/sub,
 * like the api's adapter); a Redis Cluster: sharded pub/sub (`ShardedEmitter`), matching the
 * api's sharded adapter. Fire and forget (no acks): what matters is persisted too
 * (notifications, document state).
 */
const tracer = trace.getTracer('docent.realtime');

@Injectable()
export class RealtimeEmitter {
  private readonly emitter?: ReturnType<Emitter<ServerToClientEvents>['of']>;
  private readonly sharded?: ShardedEmitter;

  constructor(@Inject(REDIS_CLIENT) redis: RedisClient, config: ConfigService) {
    const settings = config.getOrThrow<RedisSettings>('redis');
    const publisher = withHandledPublish(redis, new Logger('RealtimeEmitter'));
    const key = socketIoKey(settings.keyPrefix);
    if (settings.cluster) {
      this.sharded = new ShardedEmitter(publisher, key, NOTIFICATIONS_NAMESPACE);
    } else {
      this.emitter = new Emitter<ServerToClientEvents>(publisher as Redis, { key }).of(
        NOTIFICATIONS_NAMESPACE,
      );
    }
  }

  toUser<E extends ServerEventName>(
    userId: string,
    event: E,
    payload: ServerEventPayload<E>,
  ): void {
    this.emit(userRoom(userId), event, payload);
  }

  /** Disconnects every socket of one session, on every api instance. */
  disconnectSession(sessionId: string): void {
    this.disconnect(sessionRoom(sessionId));
  }

  /** Disconnects every socket of one user, on every api instance. */
  disconnectUser(userId: string): void {
    this.disconnect(userRoom(userId));
  }

  private disconnect(room: string): void {
    if (this.sharded) this.sharded.disconnectRoom(room);
    else this.emitter?.in(room).disconnectSockets(true);
  }

  private emit<E extends ServerEventName>(
    room: string,
    event: E,
    payload: ServerEventPayload<E>,
  ): void {
    // the push in the trace of whatever caused it (an upload's ingestion job): the Redis publish
    // is its child
    const span = tracer.startSpan(`socket.io emit ${event}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'socket.io',
        'messaging.operation.type': 'send',
        'messaging.destination.name': NOTIFICATIONS_NAMESPACE,
        'docent.socket.event': event,
      },
    });
    try {
      context.with(trace.setSpan(context.active(), span), () => this.publish(room, event, payload));
    } finally {
      span.end();
    }
  }

  private publish<E extends ServerEventName>(
    room: string,
    event: E,
    payload: ServerEventPayload<E>,
  ): void {
    if (this.sharded) {
      this.sharded.emitToRoom(room, event, payload);
      return;
    }
    if (!this.emitter) return;
    // the emitter's typed overloads do not narrow through a generic event name
    (this.emitter.to(room).emit as (event: string, ...args: unknown[]) => boolean)(event, payload);
  }
}
