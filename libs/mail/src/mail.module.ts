import { Module } from '@nestjs/common';
import { QueueModule } from '@docent/queue';
import { StorageModule } from '@docent/storage';
import { MailProducer } from './mail.producer';

/**
 * Core mail module, for any module that sends mail (api side). Importing `QueueModule` for the
 * mail queue's token keeps this module usable without relying on the queues being global; Nest
 * shares the one `QueueModule` instance the app already has. `StorageModule` brings the keyring
 * that seals mail contexts.
 */
@Module({
  imports: [QueueModule, StorageModule],
  providers: [MailProducer],
  exports: [MailProducer],
})
export class MailModule {}
