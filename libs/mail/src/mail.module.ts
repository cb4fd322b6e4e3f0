import { Module } from '@nestjs/common';
import { QueueModule } from '@docent/queue';
import { MailProducer } from './mail.producer';

/**
 * Core mail module, for any module that sends mail (api side). Importing `QueueModule` for the
 * mail queue's token keeps this module usable without relying on the queues being global; Nest
 * shares the one `QueueModule` instance the app already has.
 */
@Module({
  imports: [QueueModule],
  providers: [MailProducer],
  exports: [MailProducer],
})
export class MailModule {}
