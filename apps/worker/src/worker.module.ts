import { type DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '@docent/audit';
import { AuthWorkerModule } from '@docent/auth';
import { ChatWorkerModule } from '@docent/chat';
import { CommonModule, LoggingModule } from '@docent/common';
import { type DocentConfig, DocentConfigModule } from '@docent/config';
import { DatabaseModule } from '@docent/database';
import { DocumentsWorkerModule } from '@docent/documents';
import { HealthModule } from '@docent/health';
import { MailWorkerModule } from '@docent/mail';
import { NotificationsWorkerModule } from '@docent/notifications';
import { MaintenanceModule, QueueDrain, QueueModule } from '@docent/queue';
import { RedisModule } from '@docent/redis';
import { ENTITIES } from '@docent/schema';

export interface WorkerModuleOptions {
  config: DocentConfig;
  /** Where logs go instead of stdout (tests). */
  logStream?: NodeJS.WritableStream;
  /** Extra modules (tests add probe processors here). */
  imports?: DynamicModule['imports'];
}

/**
 * The worker process: the worker entry modules (processors) of the domain libraries, plus its
 * own health and metrics. It serves no public API.
 */
@Module({})
export class WorkerModule {
  static forRoot(options: WorkerModuleOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        DocentConfigModule.forRoot({ config: options.config }),
        LoggingModule.forRoot('worker', options.logStream),
        CommonModule,
        DatabaseModule.forRoot(ENTITIES),
        RedisModule.forRoot({ failFast: false }),
        QueueModule,
        MaintenanceModule,
        HealthModule.forRoot({ app: 'worker', checks: ['database', 'redis', 'queue', 'storage'] }),
        AuditModule,
        AuthWorkerModule,
        MailWorkerModule,
        DocumentsWorkerModule,
        ChatWorkerModule,
        NotificationsWorkerModule,
        ...(options.imports ?? []),
      ],
      providers: [QueueDrain],
    };
  }
}
