import { Global, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Bull, { type Queue } from 'bull';
import { createApiApp } from '../apps/api/src/bootstrap';
import { createWorkerApp } from '../apps/worker/src/bootstrap';
import {
  MAIL_JOB_OPTIONS,
  MailModule,
  MailProducer,
  type MailJobOptions,
  MailWorkerModule,
  type SendMailJob,
} from '@docent/mail';
import { JOBS, QUEUES } from '@docent/queue';
import { testConfig } from './support/config';
import { waitFor } from './support/http';
import { type CapturedMail, type SmtpCapture, startSmtp } from './support/smtp';

// Production backs off 5 s, 10 s, …; the retry path is the same with shorter waits.
const FAST_RETRIES: MailJobOptions = { attempts: 5, backoff: { type: 'exponential', delay: 100 } };

@Global()
@Module({
  providers: [{ provide: MAIL_JOB_OPTIONS, useValue: FAST_RETRIES }],
  exports: [MAIL_JOB_OPTIONS],
})
class FastMailRetriesModule {}

const RESET_URL =
  'https://docent.test/reset-password?token=Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS1sb25nLXRva2Vu&lang=en';

function resetMail(email: string, eventId: string, name = 'Jane Doe') {
  return {
    template: 'password-reset' as const,
    to: { email, name },
    context: { displayName: name, resetUrl: RESET_URL, expiresInMinutes: 30 },
    eventId,
    requestId: `req-${eventId}`,
  };
}

const to = (address: string) => (mail: CapturedMail) => mail.to.includes(address);

/** The raw header block: what a header injection would have to reach. */
const headerBlock = (mail: CapturedMail) => mail.raw.slice(0, mail.raw.search(/\r?\n\r?\n/));

describe('mail (real Redis and bull, in-process SMTP server)', () => {
  let smtp: SmtpCapture;
  let worker: NestFastifyApplication;
  let api: NestFastifyApplication;
  let producer: MailProducer;
  let observer: Queue<SendMailJob>;

  beforeAll(async () => {
    smtp = await startSmtp();
    // one config object for both apps: same Redis key prefix, so the same queue
    const config = testConfig({ SMTP_URL: smtp.url });
    worker = await createWorkerApp({ config, imports: [MailWorkerModule] });
    await worker.init();
    api = await createApiApp({ config, imports: [MailModule, FastMailRetriesModule] });
    await api.init();
    producer = api.get(MailProducer);
    // an independent look at the queue, like another process would have
    observer = new Bull(QUEUES.mail, config.redis.url, {
      prefix: `${config.redis.keyPrefix}bull`,
    });
  });

  afterAll(async () => {
    await observer?.close();
    await api?.close();
    await worker?.close();
    await smtp?.close();
  });

  it('delivers a password-reset mail: subject, named recipient, link readable from the text', async () => {
    await producer.send(resetMail('jane@example.com', 'evt-reset-1'));
    const mail = await smtp.waitFor(to('jane@example.com'), 10_000);

    expect(mail.to).toEqual(['jane@example.com']);
    expect(mail.from).toBe('no-reply@docent.local');
    expect(mail.subject).toBe('Reset your Docent password');
    expect(mail.headers.to).toEqual(['Jane Doe <jane@example.com>']);
    expect(mail.headers.from).toEqual(['Docent <no-reply@docent.local>']);
    // the long link is folded by quoted-printable on the wire; it must read back exactly
    expect(mail.raw).toContain('=3D');
    const link = mail.text.split('\n').find((line) => line.startsWith('https://'));
    expect(link).toBe(RESET_URL);
    expect(mail.html).toContain('Hello Jane Doe,');

    // delivered jobs are removed: the single-use link does not stay in Redis
    await waitFor(async () => (await observer.getJob('password-reset:evt-reset-1')) === null, 5000);
  });

  it('sends one mail when the same event is enqueued twice', async () => {
    // hold the queue so both copies are enqueued while the first is certainly still there
    await observer.pause();
    try {
      await producer.send(resetMail('twice@example.com', 'evt-dup'));
      await producer.send(resetMail('twice@example.com', 'evt-dup'));
      // a paused queue parks new jobs in its paused list
      expect(await observer.getJobCounts()).toMatchObject({ paused: 1, waiting: 0 });
    } finally {
      await observer.resume();
    }
    await smtp.waitFor(to('twice@example.com'), 10_000);
    // one job at a time, in order: once a later mail is through, no duplicate is still to come
    await producer.send(resetMail('after-dup@example.com', 'evt-after-dup'));
    await smtp.waitFor(to('after-dup@example.com'), 10_000);

    expect(smtp.messages.filter(to('twice@example.com'))).toHaveLength(1);
  });

  it('keeps a display name with CR/LF from adding a recipient or a header', async () => {
    const name = 'Mallory\r\nBcc: evil@example.com';
    await producer.send(resetMail('victim@example.com', 'evt-inject', name));
    const mail = await smtp.waitFor(to('victim@example.com'), 10_000);

    expect(mail.to).toEqual(['victim@example.com']);
    expect(mail.headers.bcc).toBeUndefined();
    expect(headerBlock(mail)).not.toMatch(/^bcc:/im);
    expect(mail.headers.to).toEqual(['"Mallory Bcc: evil@example.com" <victim@example.com>']);
    expect(smtp.messages.some(to('evil@example.com'))).toBe(false);
  });

  it('holds a job queued around the producer to the same rules', async () => {
    // a raw name in the payload: the worker cleans it again
    await observer.add(
      JOBS.mail.send,
      {
        ...resetMail('raw@example.com', 'evt-raw'),
        to: { email: 'raw@example.com', name: 'R\r\nCc: evil@example.com' },
      },
      { jobId: 'password-reset:evt-raw' },
    );
    const mail = await smtp.waitFor(to('raw@example.com'), 10_000);
    expect(mail.to).toEqual(['raw@example.com']);
    expect(headerBlock(mail)).not.toMatch(/^cc:/im);
    expect(mail.headers.to).toEqual(['"R Cc: evil@example.com" <raw@example.com>']);
  });

  it('delivers to an internationalised address, as registration accepts them', async () => {
    await producer.send(resetMail('zoë@bücher.example', 'evt-idn', 'Zoë'));
    const mail = await smtp.waitFor((m) => m.to.some((a) => a.startsWith('zoë@')), 10_000);
    // nodemailer uses SMTPUTF8, which the server offers
    expect(mail.to).toEqual(['zoë@bücher.example']);
    expect(mail.text).toContain('Hello Zoë,');
  });

  it('fails a job for a recipient that is not one address, without retrying', async () => {
    const job = await observer.add(
      JOBS.mail.send,
      resetMail('a@example.com, evil@example.com', 'evt-list'),
      { jobId: 'password-reset:evt-list', attempts: 5, backoff: { type: 'fixed', delay: 50 } },
    );
    await waitFor(async () => (await observer.getJob(job.id))?.failedReason !== undefined, 5000);
    const failed = (await observer.getJob(job.id))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe('The recipient is not one e-mail address.');
    expect(smtp.messages.some(to('evil@example.com'))).toBe(false);
  });

  it('retries after temporary SMTP failures (451) until the mail is accepted', async () => {
    const started = Date.now();
    smtp.failNext(2);
    await producer.send(resetMail('retry@example.com', 'evt-retry'));
    const mail = await smtp.waitFor(to('retry@example.com'), 20_000);

    expect(smtp.rejected).toBe(2);
    expect(mail.subject).toBe('Reset your Docent password');
    expect(smtp.messages.filter(to('retry@example.com'))).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
