import type { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

/**
 * The socket.io Redis adapter and emitter call `publish` without handling its promise: while Redis
 * is down ioredis rejects it (after `maxRetriesPerRequest`), and an unhandled rejection would end
 * the process. This view of the client handles that rejection (logged once per outage; the
 * event is lost, which is acceptable: what matters is persisted) and is otherwise the client
 * itself.
 */
export function withHandledPublish(client: Redis, logger: Logger): Redis {
  let failing = false;
  return new Proxy(client, {
    get(target, property) {
      if (property === 'publish') {
        return (...args: Parameters<Redis['publish']>) => {
          const sent = target.publish(...args);
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
]);

/**
 * The adapter also fires (p)subscribe at construction and (p)unsubscribe at close without
 * handling their promises: an api closed while its subscriber is still connecting (a quick
 * restart, a busy machine) would reject them as "Connection is closed" and crash the process.
 * The subscriber re-subscribes by itself when it reconnects (ioredis `autoResubscribe`), so a
 * failed call only needs logging.
 */
export function withHandledSubscriptions(client: Redis, logger: Logger): Redis {
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
