import { Process, Processor } from '@nestjs/bull';
import { Inject, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import type { MailSettings } from '@docent/config';
import { Keyring } from '@docent/crypto';
import { JOBS, QUEUES, runJobInSpan } from '@docent/queue';
import { maskEmail } from './mail.address';
import { InvalidMailError } from './mail.errors';
import { isSafeId, openMailContext, type SendMailJob } from './mail.job';
import { composeMail } from './mail.message';
import { MailMetrics } from './mail.metrics';
import { MAIL_SENDER, type MailSender } from './mail-transport';

interface SmtpErrorFields {
  code?: unknown;
  responseCode?: unknown;
}

function smtpFields(error: unknown): SmtpErrorFields {
  return typeof error === 'object' && error !== null ? (error as SmtpErrorFields) : {};
}

/**
 * The server refused this recipient or this message for good (5xx): another attempt would get the
 * same answer. Connection, timeout, 4xx and auth/configuration problems stay retryable.
 */
export function isPermanentSmtpError(error: unknown): boolean {
  const { code, responseCode } = smtpFields(error);
  return (
    (code === 'EENVELOPE' || code === 'EMESSAGE') &&
    typeof responseCode === 'number' &&
    responseCode >= 500 &&
    responseCode < 600
  );
}

/** nodemailer's messages may quote the address; its codes never do. */
function describeFailure(error: unknown): string {
  if (error instanceof InvalidMailError) return error.code;
  const { code, responseCode } = smtpFields(error);
  const parts = [code, responseCode].filter(
    (part) => typeof part === 'string' || typeof part === 'number',
  );
  return parts.length > 0 ? parts.join(' ') : 'unknown error';
}

/** What a log line may say about a job: never the context (reset links), never the full address. */
function describeJob(job: Job<SendMailJob>): string {
  const { template, to, requestId } = job.data;
  const parts = [
    `template=${isSafeId(template) ? template : '?'}`,
    `jobId=${String(job.id)}`,
    `to=${maskEmail(to?.email)}`,
    `attempt=${job.attemptsMade + 1}`,
  ];
  if (isSafeId(requestId)) parts.push(`requestId=${requestId}`);
  return parts.join(' ');
}

/** Thin: open the context, render, send, and tell bull whether a failure deserves another attempt. */
@Processor(QUEUES.mail)
export class MailProcessor {
  private readonly logger = new Logger('MailProcessor');
  private readonly from: string;

  constructor(
    @Inject(MAIL_SENDER) private readonly mailer: MailSender,
    config: ConfigService,
    private readonly keyring: Keyring,
    private readonly metrics: MailMetrics,
  ) {
    this.from = config.getOrThrow<MailSettings>('mail').from;
  }

  @Process(JOBS.mail.send)
  send(job: Job<SendMailJob>): Promise<void> {
    return runJobInSpan(
      {
        queue: QUEUES.mail,
        jobName: job.name,
        jobId: String(job.id),
        attempt: job.attemptsMade + 1,
        carrier: job.data.traceContext,
        attributes: { 'docent.mail.template': job.data.template },
      },
      () => this.deliver(job),
    );
  }

  private async deliver(job: Job<SendMailJob>): Promise<void> {
    try {
      const message = composeMail(job.data, openMailContext(job.data, this.keyring));
      await this.mailer.sendMail({ ...message, from: this.from });
    } catch (error) {
      const permanent = error instanceof InvalidMailError || isPermanentSmtpError(error);
      // bull only retries a thrown job that was not discarded and has attempts left
      if (permanent) await job.discard();
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.metrics.attempt(job.data.template, final ? 'dropped' : 'retry');
      const outcome = `${final ? 'dropped' : 'will retry'}: ${describeFailure(error)}`;
      const line = `mail not sent, ${outcome} ${describeJob(job)}`;
      if (final) this.logger.error(line);
      else this.logger.warn(line);
      throw error;
    }
    this.metrics.attempt(job.data.template, 'sent');
    this.logger.log(`mail sent ${describeJob(job)}`);
  }
}
