import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '@docent/common';
import { ChatHistoryRepository } from './history/chat-history.repository';

/** SPEC §5: deleting a user removes their chats (on the `user.sessions_ended` "deleted" event). */
@Injectable()
export class ChatAccountCleanup implements OnModuleInit {
  private readonly logger = new Logger('ChatAccountCleanup');

  constructor(
    private readonly bus: DomainEventBus,
    private readonly history: ChatHistoryRepository,
  ) {}

  onModuleInit(): void {
    this.bus.on('user.sessions_ended', async ({ userId, reason }) => {
      if (reason !== 'deleted') return;
      const deleted = await this.history.deleteAllForUser(userId);
      if (deleted > 0)
        this.logger.log(`removed ${deleted} chat session(s) of deleted user ${userId}`);
    });
  }
}
