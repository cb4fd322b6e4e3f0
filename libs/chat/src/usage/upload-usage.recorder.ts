import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '@docent/common';
import { UsageService } from './usage.service';

/** SPEC §9 usage analytics: uploads and bytes per user per day, from `documents.uploaded`. */
@Injectable()
export class UploadUsageRecorder implements OnModuleInit {
  constructor(
    private readonly bus: DomainEventBus,
    private readonly usage: UsageService,
  ) {}

  onModuleInit(): void {
    this.bus.on('documents.uploaded', ({ userId, files, bytes }) =>
      this.usage.recordQuietly(userId, { uploads: files, bytesIngested: bytes }),
    );
  }
}
