import { Module } from '@nestjs/common';

/** The worker side of chat: maintenance (pruning expired sessions from the per-user indexes). */
@Module({})
export class ChatWorkerModule {}
