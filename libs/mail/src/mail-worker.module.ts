import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MailerModule, type MailerOptions } from '@nestjs-modules/mailer';
import type { MailSettings } from '@docent/config';
import { StorageModule } from '@docent/storage';
import { MailPurge, MailPurgeProcessor } from './mail-purge';
import { MailMetrics } from './mail.metrics';
import { MailProcessor } from './mail.processor';

// nodemailer waits up to 10 minutes on a silent server by default, holding the mail queue (one
// job at a time) and any shutdown. SMTP_URL query parameters still override these.
const SMTP_TIMEOUTS_MS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 60_000,
};

/** The SMTP URL with our timeouts added where the operator did not set their own. */
export function smtpTransportUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  for (const [name, value] of Object.entries(SMTP_TIMEOUTS_MS)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/**
 * No `template` option: we render with our own Handlebars instance, so the mailer loads no
 * template adapter (and none of their optional peer dependencies).
 */
export function mailerOptions(settings: MailSettings): MailerOptions {
  return {
    transport: smtpTransportUrl(settings.smtpUrl),
    defaults: { from: settings.from },
  };
}

/**
 * Worker entry module: the mail processor, the SMTP transport it sends through, the keyring that
 * opens mail contexts, and the repeatable purge of old failed mail jobs (maintenance queue).
 */
@Module({
  imports: [
    StorageModule,
    MailerModule.forRootAsync({
      imports: [],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => mailerOptions(config.getOrThrow<MailSettings>('mail')),
    }),
  ],
  providers: [MailProcessor, MailMetrics, MailPurge, MailPurgeProcessor],
  exports: [MailPurge],
})
export class MailWorkerModule {}
