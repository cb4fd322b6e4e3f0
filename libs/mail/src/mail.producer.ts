import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Queue } from 'bull';
import { JOBS, QUEUES } from '@docent/queue';
import {
  buildSendMailJob,
  DEFAULT_MAIL_JOB_OPTIONS,
  MAIL_JOB_OPTIONS,
  type MailJobOptions,
  mailJobId,
  type SendMailInput,
  type SendMailJob,
} from './mail.job';
import type { MailTemplateName } from './mail.templates';

/** The only code that enqueues mail: requests never talk to SMTP themselves. */
@Injectable()
export class MailProducer {
  private readonly retry: MailJobOptions;

  constructor(
    @InjectQueue(QUEUES.mail) private readonly queue: Queue<SendMailJob>,
    @Optional() @Inject(MAIL_JOB_OPTIONS) retry?: MailJobOptions,
  ) {
    this.retry = retry ?? DEFAULT_MAIL_JOB_OPTIONS;
  }

  /**
   * Queues one mail. Validates and cleans the request (throws `InvalidMailError`); a second call
   * for the same template and event is a no-op while the first job is still in the queue.
   */
  async send<T extends MailTemplateName>(input: SendMailInput<T>): Promise<void> {
    const job = buildSendMailJob(input);
    await this.queue.add(JOBS.mail.send, job, {
      jobId: mailJobId(job.template, job.eventId),
      attempts: this.retry.attempts,
      backoff: { ...this.retry.backoff },
      // the context may hold a single-use link: nothing to keep once it is delivered
      removeOnComplete: true,
    });
  }
}
