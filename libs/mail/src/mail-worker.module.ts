import { Module } from '@nestjs/common';
import { StorageModule } from '@docent/storage';
import { MailPurge, MailPurgeProcessor } from './mail-purge';
import { MAIL_SENDER, SmtpTransport } from './mail-transport';
import { MailMetrics } from './mail.metrics';
import { MailProcessor } from './mail.processor';

/**
 * Worker entry module: the mail processor, the SMTP transport it sends through, the keyring that
 * opens mail contexts, and the repeatable purge of old failed mail jobs (maintenance queue).
 */
@Module({
  imports: [StorageModule],
  providers: [
    SmtpTransport,
    { provide: MAIL_SENDER, useExisting: SmtpTransport },
    MailProcessor,
    MailMetrics,
    MailPurge,
    MailPurgeProcessor,
  ],
  exports: [MailPurge],
})
export class MailWorkerModule {}
