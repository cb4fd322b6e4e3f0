import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { SendMailOptions } from 'nodemailer';
import type { Job } from 'bull';
import { randomBytes } from 'node:crypto';
import { Keyring } from '@docent/crypto';
import { sealMailJob, type SendMailJob } from './mail.job';
import { Registry } from 'prom-client';
import { MailMetrics } from './mail.metrics';
import { isPermanentSmtpError, MailProcessor } from './mail.processor';

const RESET_URL = 'https://docent.test/reset-password?token=secret-token-value';

function smtpError(code: string, responseCode?: number): Error {
  return Object.assign(new Error(`failed for jane@example.com: ${responseCode}`), {
    code,
    responseCode,
  });
}

function fakeJob(data: Partial<SendMailJob> = {}, attemptsMade = 0) {
  const job = {
    id: 'password-reset:evt-1',
    attemptsMade,
    opts: { attempts: 5 },
    discarded: false,
    data: {
      template: 'password-reset',
      to: { email: 'jane@example.com', name: 'Jane Doe' },
      context: { displayName: 'Jane Doe', resetUrl: RESET_URL, expiresInMinutes: 30 },
      eventId: 'evt-1',
      requestId: 'req-1',
      ...data,
    },
    discard() {
      job.discarded = true;
      return Promise.resolve();
    },
  };
  return job;
}

const keyring = new Keyring(new Map([['k1', randomBytes(32)]]), 'k1');

function setup(result: () => Promise<unknown> = () => Promise.resolve({})) {
  const sent: SendMailOptions[] = [];
  const mailer = {
    sendMail: (options: SendMailOptions) => {
      sent.push(options);
      return result();
    },
  };
  const config = {
    getOrThrow: () => ({ smtpUrl: 'smtp://x', from: 'Docent <no-reply@docent.test>' }),
  } as unknown as ConfigService;
  const registry = new Registry();
  const processor = new MailProcessor(mailer, config, keyring, new MailMetrics(registry));
  /** `mail_messages_total` for the password-reset template, by outcome. */
  const counted = async () => {
    const metric = await registry.getSingleMetric('mail_messages_total')!.get();
    return Object.fromEntries(
      metric.values
        .filter((value) => value.labels.template === 'password-reset')
        .map((value) => [String(value.labels.outcome), value.value]),
    );
  };
  return { processor, sent, counted };
}

describe('MailProcessor', () => {
  let logged: string[];

  beforeEach(() => {
    logged = [];
    for (const level of ['log', 'warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(String(args[0]));
      });
    }
  });

  afterEach(() => jest.restoreAllMocks());

  const run = (processor: MailProcessor, job: ReturnType<typeof fakeJob>) =>
    processor.send(job as unknown as Job<SendMailJob>);

  it('renders the template and sends it to an address object', async () => {
    const { processor, sent } = setup();
    await run(processor, fakeJob());
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      to: { name: 'Jane Doe', address: 'jane@example.com' },
      from: 'Docent <no-reply@docent.test>',
      subject: 'Reset your Docent password',
    });
    expect(sent[0].text).toContain(RESET_URL);
    expect(sent[0].html).toContain('Jane Doe');
    // a context given to the mailer would be interpolated into subject and html a second time
    expect(sent[0]).not.toHaveProperty('context');
  });

  /** A job as the producer queues it: the context sealed, not in clear. */
  function sealedJob(to?: { email: string }) {
    const job = fakeJob();
    const { context, ...clear } = job.data;
    const sealed = sealMailJob({ ...clear, context } as Parameters<typeof sealMailJob>[0], keyring);
    job.data = { ...sealed, ...(to ? { to } : {}) } as typeof job.data;
    return job;
  }

  it('opens a sealed context (what the producer queues) and sends the same mail', async () => {
    const { processor, sent } = setup();
    const job = sealedJob();
    expect(job.data).not.toHaveProperty('context');
    await run(processor, job);
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toContain(RESET_URL);
  });

  it('fails a sealed context it cannot open for good (tampered, moved, or an unknown key)', async () => {
    const { processor, sent } = setup();
    const moved = sealedJob({ email: 'mallory@example.com' });
    await expect(run(processor, moved)).rejects.toThrow('The mail context could not be opened.');
    expect(moved.discarded).toBe(true);
    expect(sent).toEqual([]);
  });

  it('cleans a display name that did not come through the producer', async () => {
    const { processor, sent } = setup();
    await run(processor, fakeJob({ to: { email: 'jane@example.com', name: 'J\r\nBcc: e@x.com' } }));
    expect(sent[0].to).toEqual({ name: 'J Bcc: e@x.com', address: 'jane@example.com' });
  });

  it.each([
    ['a list of addresses', { to: { email: 'jane@example.com, evil@example.com' } }],
    ['an address with a header tail', { to: { email: 'jane@example.com\r\nBcc: e@x.com' } }],
    ['an unknown template', { template: 'nope' as 'password-reset' }],
    ['a context missing a variable', { context: { displayName: 'J' } as SendMailJob['context'] }],
  ])('fails %s for good: discarded, nothing sent', async (_label, data) => {
    const { processor, sent } = setup();
    const job = fakeJob(data);
    await expect(run(processor, job)).rejects.toThrow();
    expect(job.discarded).toBe(true);
    expect(sent).toEqual([]);
  });

  it('counts each attempt by template and outcome (mail_messages_total)', async () => {
    const ok = setup();
    await run(ok.processor, fakeJob());
    expect(await ok.counted()).toEqual({ sent: 1, retry: 0, dropped: 0 });
    const temporary = setup(() => Promise.reject(smtpError('EMESSAGE', 451)));
    await expect(run(temporary.processor, fakeJob({}, 0))).rejects.toThrow();
    await expect(run(temporary.processor, fakeJob({}, 4))).rejects.toThrow();
    expect(await temporary.counted()).toEqual({ sent: 0, retry: 1, dropped: 1 });
  });

  it('lets bull retry a temporary SMTP failure', async () => {
    const { processor } = setup(() => Promise.reject(smtpError('EMESSAGE', 451)));
    const job = fakeJob();
    await expect(run(processor, job)).rejects.toThrow(/451/);
    expect(job.discarded).toBe(false);
    expect(logged.join('\n')).toContain('will retry: EMESSAGE 451');
  });

  it('does not retry a recipient the server refused for good', async () => {
    const { processor } = setup(() => Promise.reject(smtpError('EENVELOPE', 550)));
    const job = fakeJob();
    await expect(run(processor, job)).rejects.toThrow();
    expect(job.discarded).toBe(true);
  });

  it('logs template, job id and outcome, never the context or the full address', async () => {
    const ok = setup();
    await run(ok.processor, fakeJob());
    const failing = setup(() => Promise.reject(smtpError('EMESSAGE', 451)));
    await expect(run(failing.processor, fakeJob({}, 4))).rejects.toThrow();

    expect(logged).toEqual([
      'mail sent template=password-reset jobId=password-reset:evt-1 to=j***@example.com attempt=1 requestId=req-1',
      'mail not sent, dropped: EMESSAGE 451 template=password-reset jobId=password-reset:evt-1 to=j***@example.com attempt=5 requestId=req-1',
    ]);
    const all = logged.join('\n');
    expect(all).not.toContain('secret-token-value');
    expect(all).not.toContain('jane@');
  });
});

describe('isPermanentSmtpError', () => {
  it('is true only for a 5xx refusal of the envelope or message', () => {
    expect(isPermanentSmtpError(smtpError('EENVELOPE', 550))).toBe(true);
    expect(isPermanentSmtpError(smtpError('EMESSAGE', 554))).toBe(true);
    expect(isPermanentSmtpError(smtpError('EMESSAGE', 451))).toBe(false);
    expect(isPermanentSmtpError(smtpError('EAUTH', 535))).toBe(false);
    expect(isPermanentSmtpError(smtpError('ECONNECTION'))).toBe(false);
    expect(isPermanentSmtpError(new Error('boom'))).toBe(false);
    expect(isPermanentSmtpError('550')).toBe(false);
  });
});
