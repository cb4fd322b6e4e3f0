import { Emitter } from '@socket.io/redis-emitter';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { RedisSettings } from '@docent/config';
import { REDIS_CLIENT } from '@docent/redis';
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

/**
 * Emits to `/notifications` sockets on every api instance through Redis (@socket.io/redis-emitter),
 * from any process: the worker never talks to the api over HTTP. Fire and forget (no acks): what
 * matters is persisted too (notifications, document state).
 */
@Injectable()
export class RealtimeEmitter {
  private readonly emitter: ReturnType<Emitter<ServerToClientEvents>['of']>;

  constructor(@Inject(REDIS_CLIENT) redis: Redis, config: ConfigService) {
    const { keyPrefix } = config.getOrThrow<RedisSettings>('redis');
    const publisher = withHandledPublish(redis, new Logger('RealtimeEmitter'));
    this.emitter = new Emitter<ServerToClientEvents>(publisher, {
      key: socketIoKey(keyPrefix),
    }).of(NOTIFICATIONS_NAMESPACE);
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
    this.emitter.in(sessionRoom(sessionId)).disconnectSockets(true);
  }

  /** Disconnects every socket of one user, on every api instance. */
  disconnectUser(userId: string): void {
    this.emitter.in(userRoom(userId)).disconnectSockets(true);
  }

  private emit<E extends ServerEventName>(
    room: string,
    event: E,
    payload: ServerEventPayload<E>,
  ): void {
    // the emitter's typed overloads do not narrow through a generic event name
    (this.emitter.to(room).emit as (event: string, ...args: unknown[]) => boolean)(event, payload);
  }
}
