import { Module } from '@nestjs/common';
import { DocumentsModule } from '@docent/documents';
import { AuditEventRepository } from './audit-event.repository';
import { AuditEventsController } from './audit-events.controller';
import { AuditEventsService } from './audit-events.service';
import { AdminHealthController } from './health.controller';
import { QueueAdminService } from './queue-admin.service';
import { QueuesController } from './queues.controller';
import { StatsController } from './stats.controller';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';
import { UsageController } from './usage.controller';
import { UsageReportRepository } from './usage-report.repository';
import { UsageReportService } from './usage-report.service';

/**
 * `/admin/audit-events`, `/admin/queues`, `/admin/stats`, `/admin/usage`, `/admin/health`: operating Docent. Reads are not
 * audited (that would flood the log); every write is. Queues come from the global QueueModule,
 * the audit service from the global AuditModule, the documents' aggregates from DocumentsModule.
 */
@Module({
  imports: [DocumentsModule],
  controllers: [
    AuditEventsController,
    QueuesController,
    StatsController,
    UsageController,
    AdminHealthController,
  ],
  providers: [
    AuditEventRepository,
    AuditEventsService,
    QueueAdminService,
    StatsRepository,
    StatsService,
    UsageReportRepository,
    UsageReportService,
  ],
})
export class AdminOpsModule {}
