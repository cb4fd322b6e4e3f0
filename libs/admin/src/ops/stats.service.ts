import { Injectable } from '@nestjs/common';
import type { AdminStatsDto, UserStatsDto } from './dto/stats.dto';
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
    private readonly queues: QueueAdminService,
  ) {}

  async compute(): Promise<AdminStatsDto> {
    const [users, queues] = await Promise.all([this.users(), this.queues.depths()]);
    return { users, queues, generatedAt: new Date().toISOString() };
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
}
