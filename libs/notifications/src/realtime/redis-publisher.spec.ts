import type { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { withHandledPublish, withHandledSubscriptions } from './redis-publisher';

/**
 * A logger's warn spy and the process's unhandled rejections while a test runs: the client's own
 * error events are swallowed so that only what the wrapper does is seen. Call stop() in finally.
 */
function watch(client: Redis) {
  client.on('error', () => undefined);
  const warn = jest.fn();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  return { warn, unhandled, stop: () => process.off('unhandledRejection', onUnhandled) };
}

describe('withHandledPublish', () => {
  it('turns the rejected publish of an unreachable Redis into one warning, never an unhandled rejection', async () => {
    // nothing listens on port 1; no offline queue, no reconnect: publish rejects at once
    const client = new Redis({
      host: '127.0.0.1',
      port: 1,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    const { warn, unhandled, stop } = watch(client);
    try {
      const publisher = withHandledPublish(client, { warn } as unknown as Logger);
      // how the socket.io emitter and adapter call it: the promise is dropped
      void publisher.publish('channel', 'one');
      void publisher.publish('channel', 'two');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/^socket\.io event not published: /);
      // everything else is the client itself
      expect(publisher.status).toBe(client.status);
      expect(publisher.duplicate).toBeInstanceOf(Function);
    } finally {
      stop();
      const ended = new Promise((resolve) => client.once('end', resolve));
      client.disconnect();
      if (client.status !== 'end') await ended;
    }
  });
});

describe('withHandledSubscriptions', () => {
  it('logs (p)subscribe calls rejected by a connection closed while connecting, instead of an unhandled rejection', async () => {
    // a real server, but the client is closed before its queued subscriptions could be sent
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    const { warn, unhandled, stop } = watch(client);
    try {
      const subscriber = withHandledSubscriptions(client, { warn } as unknown as Logger);
      // how the socket.io adapter calls them at construction: the promises are dropped
      void subscriber.psubscribe('docent-test-channel*');
      void subscriber.subscribe('docent-test-a', 'docent-test-b');
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[0][0])).toMatch(/^socket\.io psubscribe failed: /);
      // other commands are the client's own
      expect(subscriber.status).toBe(client.status);
    } finally {
      stop();
    }
  });
});
