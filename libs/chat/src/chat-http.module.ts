import { Module } from '@nestjs/common';
import { DocumentsModule } from '@docent/documents';
import { ChatAccountCleanup } from './chat-account-cleanup';
import { ChatMetrics } from './chat.metrics';
import { ChatModule } from './chat.module';
import { ChatService } from './chat.service';
import { GenerationModule } from './generation/generation.module';
import { ChatController } from './http/chat.controller';
import { UsageRecorder } from './usage/usage.recorder';

/**
 * `/api/v1/chat` (SPEC §7): imported by the api only. Retrieval comes from DocumentsModule
 * (`ChunkRetriever`), the answer generator from GenerationModule (`ANSWER_GENERATOR`).
 */
@Module({
  imports: [ChatModule, DocumentsModule, GenerationModule],
  controllers: [ChatController],
  providers: [ChatService, ChatMetrics, ChatAccountCleanup, UsageRecorder],
  exports: [ChatService],
})
export class ChatHttpModule {}
