import type { RedisClient } from '@docent/redis';

/** socket.io's packet type for an event (socket.io-parser `PacketType.EVENT`). */
const EVENT_PACKET = 2;
/** socket.io-adapter `MessageType.BROADCAST` and `MessageType.DISCONNECT_SOCKETS`. */
const BROADCAST = 3;
const DISCONNECT_SOCKETS = 6;
/** Sender id of the messages: never one of an adapter's own ids, so every adapter handles them. */
const EMITTER_UID = 'docent-emitter';

/**
 * The worker's side of `@socket.io/redis-adapter`'s sharded adapter (`createShardedAdapter`,
 * subscription mode `dynamic`), which `@socket.io/redis-emitter` does not speak: it publishes
 * socket.io-adapter cluster messages with SPUBLISH, a broadcast to one room on that room's own
 * channel (`<key>#<nsp>#<room>#`, subscribed only by the api instances holding the room), any
 * other message on the namespace channel (`<key>#<nsp>#`). Fire and forget like the classic
 * emitter.
 */
export class ShardedEmitter {
  private readonly channel: string;
  private readonly clientPrefix: string;

  /**
   * @param client publisher; its keyPrefix applies to SPUBLISH channels (they are keys to
   *   ioredis), so it is removed from the channel names here and added back by the client
   * @param key the adapter's channel prefix (`socketIoKey`)
   */
  constructor(
    private readonly client: RedisClient,
    key: string,
    private readonly nsp: string,
  ) {
    this.channel = `${key}#${nsp}#`;
    this.clientPrefix = client.options.keyPrefix ?? '';
    if (!this.channel.startsWith(this.clientPrefix)) {
      throw new Error('the publisher keyPrefix must begin the socket.io channel prefix');
    }
  }

  /** Emits `event` with `payload` to every socket in `room`, on every api instance. */
  emitToRoom(room: string, event: string, payload: unknown): void {
    this.publish(`${this.channel}${room}#`, {
      uid: EMITTER_UID,
      nsp: this.nsp,
      type: BROADCAST,
      data: {
        packet: { type: EVENT_PACKET, data: [event, payload], nsp: this.nsp },
        opts: { rooms: [room], except: [], flags: {} },
      },
    });
  }

  /** Disconnects every socket in `room`, on every api instance. */
  disconnectRoom(room: string): void {
    this.publish(this.channel, {
      uid: EMITTER_UID,
      nsp: this.nsp,
      type: DISCONNECT_SOCKETS,
      data: { opts: { rooms: [room], except: [], flags: {} }, close: true },
    });
  }

  private publish(channel: string, message: unknown): void {
    const name = channel.slice(this.clientPrefix.length);
    // the client is wrapped by withHandledPublish: a rejection is logged there
    void this.client.spublish(name, JSON.stringify(message)).catch(() => undefined);
  }
}
