import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '@docent/common';
import { UsageService } from './usage.service';

/**
 * SPEC §9 usage analytics from the other libraries' events: sign-ins (and sign-ups), uploads and
 * their bytes, searches, and shares (counted for the person who shared). Questions, answer tokens
 * and exports are counted by the chat service itself.
 */
@Injectable()
export class UsageRecorder implements OnModuleInit {
  constructor(
    private readonly bus: DomainEventBus,
    private readonly usage: UsageService,
  ) {}

  onModuleInit(): void {
    this.bus.on('auth.signed_in', ({ userId }) => this.usage.recordQuietly(userId, { signIns: 1 }));
    this.bus.on('documents.uploaded', ({ userId, files, bytes }) =>
      this.usage.recordQuietly(userId, { uploads: files, bytesIngested: bytes }),
    );
    this.bus.on('documents.searched', ({ userId }) =>
      this.usage.recordQuietly(userId, { searches: 1 }),
    );
    this.bus.on('document.shared', ({ sharedBy }) =>
      this.usage.recordQuietly(sharedBy.id, { shares: 1 }),
    );
  }
}
