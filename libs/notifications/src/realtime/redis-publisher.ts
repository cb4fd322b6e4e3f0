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
