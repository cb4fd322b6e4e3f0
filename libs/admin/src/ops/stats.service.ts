import { Injectable } from '@nestjs/common';
import { DocumentStatsRepository } from '@docent/documents';
import type { AdminStatsDto, ChatStatsDto, DocumentStatsDto, UserStatsDto } from './dto/stats.dto';
import { QueueAdminService } from './queue-admin.service';
import { StatsRepository } from './stats.repository';

/**
 * The figures of the admin dashboard. Each area is one top-level key computed by its own
 * aggregate; later areas (documents, chunks, storage, chat, ingestion) are added the same way.
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly stats: StatsRepository,
    private readonly documentStats: DocumentStatsRepository,
    private readonly queues: QueueAdminService,
  ) {}

  async compute(): Promise<AdminStatsDto> {
    const [users, queues, documents, chat] = await Promise.all([
      this.users(),
      this.queues.depths(),
      this.documents(),
      this.chat(),
    ]);
    return { users, queues, documents, chat, generatedAt: new Date().toISOString() };
  }

  private async users(): Promise<UserStatsDto> {
    const result: UserStatsDto = { byRole: {}, byStatus: { active: 0, disabled: 0 }, total: 0 };
    for (const { role, status, count } of await this.stats.userCounts()) {
      result.byRole[role] = (result.byRole[role] ?? 0) + count;
      if (status === 'active' || status === 'disabled') result.byStatus[status] += count;
      result.total += count;
    }
    return result;
  }

  /** GROUP BY / SUM aggregates only; the rows themselves are never loaded. */
  private async documents(): Promise<DocumentStatsDto> {
    const [byStatusRows, failureRows, chunks] = await Promise.all([
      this.documentStats.countsByStatus(),
      this.documentStats.failuresByCode(),
      this.documentStats.chunkCount(),
    ]);
    const result: DocumentStatsDto = {
      byStatus: { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
      total: 0,
      chunks,
      storageBytes: 0,
      failuresByCode: {},
    };
    for (const { status, count, bytes } of byStatusRows) {
      if (status in result.byStatus) {
        result.byStatus[status as keyof DocumentStatsDto['byStatus']] += count;
      }
      result.total += count;
      // a cancelled document's file is removed with it
      if (status !== 'cancelled') result.storageBytes += bytes;
    }
    for (const { code, count } of failureRows) result.failuresByCode[code] = count;
    return result;
  }

  /** Chat usage from the per-user daily counters (UTC days): today and the last 30 days. */
  private async chat(): Promise<ChatStatsDto> {
    const now = Date.now();
    const today = new Date(now).toISOString().slice(0, 10);
    const from = new Date(now - 29 * 86_400_000).toISOString().slice(0, 10);
    const perDay = await this.stats.usagePerDay(from);
    const todayRow = perDay.find((row) => row.day === today);
    return {
      questionsToday: todayRow?.questions ?? 0,
      answerTokensToday: todayRow?.answerTokens ?? 0,
      questionsLast30Days: perDay.reduce((sum, row) => sum + row.questions, 0),
      answerTokensLast30Days: perDay.reduce((sum, row) => sum + row.answerTokens, 0),
      perDay,
    };
  }
}
