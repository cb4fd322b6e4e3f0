import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import type { MailSettings } from '@docent/config';

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

/** What the mail processor sends through (nodemailer's transporter, or a test's stand-in). */
export interface MailSender {
  sendMail(message: SendMailOptions): Promise<unknown>;
}

export const MAIL_SENDER = Symbol('MAIL_SENDER');

/**
 * The SMTP transport, straight from nodemailer: we render the templates ourselves (Handlebars,
 * mail.templates.ts), so no mailer framework and none of its template engines (MJML, Pug, EJS)
 * are needed at run time. Closed when the worker stops (a pooled transport keeps connections).
 */
@Injectable()
export class SmtpTransport implements MailSender, OnApplicationShutdown {
  private readonly transporter: Transporter;

  constructor(@Inject(ConfigService) config: ConfigService) {
    const settings = config.getOrThrow<MailSettings>('mail');
    this.transporter = createTransport(smtpTransportUrl(settings.smtpUrl), {
      from: settings.from,
    });
  }

  sendMail(message: SendMailOptions): Promise<unknown> {
    return this.transporter.sendMail(message);
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
