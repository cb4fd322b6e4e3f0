import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { JOBS, type MaintenanceJobPayload, MaintenanceTasks } from '@docent/queue';
import { ChatHistoryRepository } from '../history/chat-history.repository';

/** How often the per-user chat indexes are pruned. */
export const CHAT_PRUNE_EVERY_MS = 15 * 60_000;

/** Thin: the repeatable `chat.prune-index` job drops expired/dangling per-user index entries. */
@Injectable()
export class ChatIndexProcessor {
  private readonly logger = new Logger('ChatIndexPruner');

  constructor(
    private readonly history: ChatHistoryRepository,
    tasks: MaintenanceTasks,
  ) {
    tasks.register(JOBS.maintenance.chatPruneIndex, (job) => this.prune(job), {
      jobId: 'chat-prune-index',
      everyMs: CHAT_PRUNE_EVERY_MS,
      keepCompleted: 100,
      keepFailed: 100,
    });
  }

  async prune(_job: Job<MaintenanceJobPayload>): Promise<{ indexes: number; removed: number }> {
    const result = await this.history.pruneIndexes();
    if (result.removed > 0) {
      this.logger.log(
        `removed ${result.removed} stale entries from ${result.indexes} chat indexes`,
      );
    }
    return result;
  }
}
