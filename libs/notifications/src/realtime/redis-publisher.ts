import type { Logger } from '@nestjs/common';
import type { RedisClient } from '@docent/redis';

/**
 * The socket.io Redis adapter and emitter call `publish` (`spublish` on a cluster) without handling its promise: while Redis
 * is down ioredis rejects it (after `maxRetriesPerRequest`), and an unhandled rejection would end
 * the process. This view of the client handles that rejection (logged once per outage; the
 * event is lost, which is acceptable: what matters is persisted) and is otherwise the client
 * itself.
 */
export function withHandledPublish(client: RedisClient, logger: Logger): RedisClient {
  let failing = false;
  return new Proxy(client, {
    get(target, property) {
      if (property === 'publish' || property === 'spublish') {
        return (channel: string | Buffer, message: string | Buffer) => {
          const sent: Promise<unknown> =
            property === 'publish'
              ? target.publish(channel, message)
              : target.spublish(channel, message);
          sent.then(
            () => {
              failing = false;
            },
            (error: unknown) => {
              if (failing) return;
              failing = true;
              logger.warn(
                `socket.io event not published: ${error instanceof Error ? error.message : String(error)}`,
              );
            },
          );
          return sent;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

const SUBSCRIPTION_COMMANDS = new Set<PropertyKey>([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ssubscribe',
  'sunsubscribe',
]);

/**
 * The adapter also fires (p)subscribe at construction and (p)unsubscribe at close without
 * handling their promises: an api closed while its subscriber is still connecting (a quick
 * restart, a busy machine) would reject them as "Connection is closed" and crash the process.
 * The subscriber re-subscribes by itself when it reconnects (ioredis `autoResubscribe`), so a
 * failed call only needs logging.
 */
export function withHandledSubscriptions(client: RedisClient, logger: Logger): RedisClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(target);
      if (!SUBSCRIPTION_COMMANDS.has(property)) return bound;
      return (...args: unknown[]) => {
        const result = bound(...args);
        if (result instanceof Promise) {
          result.catch((error: unknown) =>
            logger.warn(
              `socket.io ${String(property)} failed: ${error instanceof Error ? error.message : String(error)}`,
            ),
          );
        }
        return result;
      };
    },
  });
}
