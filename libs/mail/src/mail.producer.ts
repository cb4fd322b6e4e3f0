import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Queue } from 'bull';
import { Keyring } from '@docent/crypto';
import { JOBS, QUEUES, traceCarrier } from '@docent/queue';
import {
  buildSendMailJob,
  DEFAULT_MAIL_JOB_OPTIONS,
  MAIL_JOB_OPTIONS,
  type MailJobOptions,
  mailJobId,
  sealMailJob,
  type SendMailInput,
  type SendMailJob,
} from './mail.job';
import type { MailTemplateName } from './mail.templates';

/**
 * Failed mail jobs stay this long for operators (the admin queue view, retry after an SMTP
 * outage), then go: bull's own `removeOnFail.age` is applied only when another job fails, so the
 * worker's `mail.purge-failed` job enforces it (`MailPurge`).
 */
export const MAIL_FAILED_RETENTION_MS = 24 * 3_600_000;

/** The only code that enqueues mail: requests never talk to SMTP themselves. */
@Injectable()
export class MailProducer {
  private readonly retry: MailJobOptions;

  constructor(
    @InjectQueue(QUEUES.mail) private readonly queue: Queue<SendMailJob>,
    private readonly keyring: Keyring,
    @Optional() @Inject(MAIL_JOB_OPTIONS) retry?: MailJobOptions,
  ) {
    this.retry = retry ?? DEFAULT_MAIL_JOB_OPTIONS;
  }

  /**
   * Queues one mail. Validates and cleans the request (throws `InvalidMailError`); a second call
   * for the same template and event is a no-op while the first job is still in the queue.
   */
  async send<T extends MailTemplateName>(input: SendMailInput<T>): Promise<void> {
    const request = buildSendMailJob(input);
    // the context may hold a single-use link: sealed while queued, gone once delivered
    const job = sealMailJob(request, this.keyring);
    // the send continues the trace of whatever queued it (a reset request, an ingestion job)
    const traceContext = traceCarrier();
    await this.queue.add(JOBS.mail.send, traceContext ? { ...job, traceContext } : job, {
      jobId: mailJobId(request.template, request.eventId),
      attempts: this.retry.attempts,
      backoff: { ...this.retry.backoff },
      removeOnComplete: true,
      removeOnFail: { age: MAIL_FAILED_RETENTION_MS / 1000 },
    });
  }
}
