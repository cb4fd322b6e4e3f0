import { Module } from '@nestjs/common';
import { StorageModule } from '@docent/storage';
import { ChatHistoryRepository } from './history/chat-history.repository';
import { UsageService } from './usage/usage.service';

/**
 * The chat core shared by both apps: the Redis history (sealed with the Keyring that
 * StorageModule provides, the same one file storage uses) and the usage counters. Needs the
 * global RedisModule, config and MikroORM from the app.
 */
@Module({
  imports: [StorageModule],
  providers: [ChatHistoryRepository, UsageService],
  exports: [ChatHistoryRepository, UsageService],
})
export class ChatModule {}
