import { Module } from '@nestjs/common';
import { ChatModule } from './chat.module';
import { ChatIndexProcessor } from './worker/chat-index.processor';

/**
 * The worker side of chat: the repeatable maintenance job that prunes expired sessions from the
 * per-user indexes (scheduled at start, processed on the `maintenance` queue).
 */
@Module({
  imports: [ChatModule],
  providers: [ChatIndexProcessor],
})
export class ChatWorkerModule {}
