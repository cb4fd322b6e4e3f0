import { Injectable, Module } from '@nestjs/common';
import { closeRedisClient, type RedisClient } from '@docent/redis';

/**
 * Bull does not close connections it got from `createClient`, so we keep them here and close
 * them ourselves once every queue has closed.
 */
@Injectable()
export class BullConnections {
  private readonly clients = new Set<RedisClient>();

  track(client: RedisClient): RedisClient {
    this.clients.add(client);
    return client;
  }

  async closeAll(): Promise<void> {
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.all(clients.map((client) => closeRedisClient(client)));
  }
}

@Module({ providers: [BullConnections], exports: [BullConnections] })
export class BullConnectionsModule {}
