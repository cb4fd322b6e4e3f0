import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from '@docent/admin';
import { AuditModule } from '@docent/audit';
import { AuthHttpModule } from '@docent/auth';
import { AuthorizationHttpModule } from '@docent/authorization';
import { ChatHttpModule } from '@docent/chat';
import { CommonModule, LoggingModule } from '@docent/common';
import { type DocentConfig, DocentConfigModule } from '@docent/config';
import { DatabaseModule } from '@docent/database';
import { DocumentsHttpModule } from '@docent/documents';
import { HealthModule } from '@docent/health';
import { NotificationsHttpModule } from '@docent/notifications';
import { QueueModule } from '@docent/queue';
import { RedisModule } from '@docent/redis';
import { StorageModule } from '@docent/storage';
import { ENTITIES } from '@docent/schema';

export interface ApiModuleOptions {
  config: DocentConfig;
  /** Where logs go instead of stdout (tests). */
  logStream?: NodeJS.WritableStream;
  /** Extra modules (tests add probe controllers here). */
  imports?: DynamicModule['imports'];
}

/** The api process: HTTP entry modules of every domain library. It never processes jobs. */
@Module({})
export class ApiModule {
  static forRoot(options: ApiModuleOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        DocentConfigModule.forRoot({ config: options.config }),
        LoggingModule.forRoot('api', options.logStream),
        CommonModule,
        DatabaseModule.forRoot(ENTITIES),
        RedisModule.forRoot(),
        QueueModule,
        HealthModule.forRoot({ app: 'api', checks: ['database', 'redis', 'queue', 'storage'] }),
        AuditModule,
        AuthHttpModule,
        AuthorizationHttpModule,
        AdminModule,
        StorageModule,
        DocumentsHttpModule,
        ChatHttpModule,
        NotificationsHttpModule,
        ...(options.imports ?? []),
      ],
    };
  }
}
