import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import { Keyring } from '@docent/crypto';
import { InvalidMailError } from './mail.errors';
import {
  buildSendMailJob,
  DEFAULT_MAIL_JOB_OPTIONS,
  type MailJobOptions,
  openMailContext,
  type SendMailInput,
  type SendMailJob,
} from './mail.job';
import { MailProducer } from './mail.producer';
import type { MailTemplateName } from './mail.templates';

function resetInput(overrides: Partial<SendMailInput<'password-reset'>> = {}) {
  return {
    template: 'password-reset' as const,
    to: { email: 'jane@example.com', name: 'Jane Doe' },
    context: {
      displayName: 'Jane Doe',
      resetUrl: 'https://docent.test/r?t=1',
      expiresInMinutes: 30,
    },
    eventId: '0196f0a2-7c1e-7d52-a1a4-7d1f6b1f0c11',
    requestId: 'req-1',
    ...overrides,
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidMailError) return error.code;
    throw error;
  }
  return undefined;
}

describe('buildSendMailJob', () => {
  it('passes a valid request through unchanged', () => {
    expect(buildSendMailJob(resetInput())).toEqual(resetInput());
  });

  it('strips CR/LF and control characters from the display name', () => {
    const job = buildSendMailJob(
      resetInput({
        to: { email: 'jane@example.com', name: 'Jane\r\nBcc: evil@example.com\u0000' },
      }),
    );
    expect(job.to).toEqual({ email: 'jane@example.com', name: 'Jane Bcc: evil@example.com' });
  });

  it('drops a display name that is blank once cleaned', () => {
    const job = buildSendMailJob(resetInput({ to: { email: 'jane@example.com', name: '\r\n' } }));
    expect(job.to).toEqual({ email: 'jane@example.com' });
  });

  it('refuses an unknown template (untyped callers)', () => {
    const input = {
      ...resetInput(),
      template: 'welcome',
    } as unknown as SendMailInput<MailTemplateName>;
    expect(codeOf(() => buildSendMailJob(input))).toBe('mail_template_unknown');
  });

  it('refuses anything but one e-mail address', () => {
    for (const email of ['jane@example.com, evil@example.com', 'Jane <jane@example.com>', '']) {
      expect(codeOf(() => buildSendMailJob(resetInput({ to: { email } })))).toBe(
        'mail_recipient_invalid',
      );
    }
  });

  it('refuses an empty or unprintable event id', () => {
    for (const eventId of ['', 'a b', 'x\r\n', 'e'.repeat(129)]) {
      expect(codeOf(() => buildSendMailJob(resetInput({ eventId })))).toBe('mail_event_id_invalid');
    }
  });

  it('drops a request id that could not be logged safely, and a missing one', () => {
    expect(buildSendMailJob(resetInput({ requestId: 'a\nb' }))).not.toHaveProperty('requestId');
    expect(buildSendMailJob(resetInput({ requestId: undefined }))).not.toHaveProperty('requestId');
  });
});

const keyring = new Keyring(new Map([['k1', randomBytes(32)]]), 'k1');

describe('MailProducer', () => {
  function producerWith(options?: MailJobOptions) {
    const added: { name: string; data: SendMailJob; opts: unknown }[] = [];
    const queue = {
      add: (name: string, data: SendMailJob, opts: unknown) => {
        added.push({ name, data, opts });
        return Promise.resolve({});
      },
    } as unknown as Queue<SendMailJob>;
    return { producer: new MailProducer(queue, keyring, options), added };
  }

  it('enqueues one send job keyed by template and event, not kept once done, failed for a day', async () => {
    const { producer, added } = producerWith();
    await producer.send(resetInput());
    const { context, ...clear } = resetInput();
    expect(added).toEqual([
      {
        name: 'send',
        data: { ...clear, sealedContext: expect.stringMatching(/^v1\.k1\./) },
        opts: {
          jobId: 'password-reset:0196f0a2-7c1e-7d52-a1a4-7d1f6b1f0c11',
          attempts: 5,
          backoff: { type: 'exponential', delay: 5000 },
          removeOnComplete: true,
          removeOnFail: { age: 24 * 3600 },
        },
      },
    ]);
    // nothing of the context is readable in the payload, and the worker gets it back whole
    expect(JSON.stringify(added[0].data)).not.toContain('docent.test/r?t=1');
    expect(openMailContext(added[0].data, keyring)).toEqual(context);
    expect(DEFAULT_MAIL_JOB_OPTIONS).toEqual({
      attempts: 5,
      backoff: { type: 'exponential', delay: 5000 },
    });
  });

  it('binds the sealed context to its recipient, event and template', async () => {
    const { producer, added } = producerWith();
    await producer.send(resetInput());
    const job = added[0].data;
    for (const moved of [
      { ...job, to: { email: 'mallory@example.com' } },
      { ...job, eventId: 'another-event' },
      { ...job, template: 'password-changed' as const },
    ]) {
      expect(() => openMailContext(moved, keyring)).toThrow(
        expect.objectContaining({ code: 'mail_context_unreadable' }),
      );
    }
    const otherKeys = new Keyring(new Map([['k1', randomBytes(32)]]), 'k1');
    expect(() => openMailContext(job, otherKeys)).toThrow(InvalidMailError);
  });

  it('takes its retry policy from MAIL_JOB_OPTIONS when provided', async () => {
    const { producer, added } = producerWith({
      attempts: 3,
      backoff: { type: 'fixed', delay: 10 },
    });
    await producer.send(resetInput());
    expect(added[0].opts).toMatchObject({ attempts: 3, backoff: { type: 'fixed', delay: 10 } });
  });

  it('enqueues nothing for an invalid request', async () => {
    const { producer, added } = producerWith();
    await expect(producer.send(resetInput({ to: { email: 'nope' } }))).rejects.toBeInstanceOf(
      InvalidMailError,
    );
    expect(added).toEqual([]);
  });
});
