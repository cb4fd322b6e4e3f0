import { EntityManager } from '@mikro-orm/postgresql';
import Bull, { type Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { DomainEventBus, type DomainEvents, uuidv7 } from '@docent/common';
import { Document, IngestionEventPublisher } from '@docent/documents';
import { METRICS_REGISTRY } from '@docent/health';
import { MailProducer, type SendMailJob } from '@docent/mail';
import { NOTIFICATIONS_PURGE_EVERY_MS, Notification } from '@docent/notifications';
import { JOBS, type MaintenanceJobPayload, MaintenanceTasks, QUEUES } from '@docent/queue';
import { corpus, uploadAccepted } from './support/documents';
import { waitFor } from './support/http';
import { type CapturedMail, type SmtpCapture, startSmtp } from './support/smtp';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';

const GOOD = ['minimal-document.pdf', 'pdflatex-4-pages.pdf'];
const ENCRYPTED = 'libreoffice-writer-password.pdf';

// uploads go through the real worker (PDF extraction in threads) and mail through bull
jest.setTimeout(120_000);

interface NotificationItem {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: string | null;
}

/**
 * SPEC §8 delivery, end to end: api + worker on the real PostgreSQL, Redis and bull, an
 * in-process SMTP server behind a TCP proxy (so SMTP can go down and come back).
 */
describe('notification delivery (api + worker, real services, SMTP sink)', () => {
  let stack: Stack;
  let smtp: SmtpCapture;
  let proxy: TcpProxy;
  let ingestion: Queue;
  let mailQueue: Queue<SendMailJob>;
  let maintenance: Queue<MaintenanceJobPayload>;

  beforeAll(async () => {
    smtp = await startSmtp();
    proxy = new TcpProxy('127.0.0.1', smtp.port);
    await proxy.start();
    stack = await startStack(
      { SMTP_URL: `smtp://127.0.0.1:${proxy.port}`, NOTIFICATION_RETENTION: '30d' },
      { worker: true },
    );
    const { url, keyPrefix } = stack.config.redis;
    const prefix = `${keyPrefix}bull`;
    ingestion = new Bull(QUEUES.ingestion, url, { prefix });
    mailQueue = new Bull(QUEUES.mail, url, { prefix });
    maintenance = new Bull(QUEUES.maintenance, url, { prefix });
  }, 60_000);

  afterAll(async () => {
    await ingestion?.close();
    await mailQueue?.close();
    await maintenance?.close();
    await stack?.close();
    await proxy?.stop();
    await smtp?.close();
  });

  const register = () => signUp(stack, { prefix: 'deliver' });
  const to = (address: string) => (mail: CapturedMail) => mail.to.includes(address);
  const mailsTo = (address: string) => smtp.messages.filter(to(address));
  const em = () => stack.api.get(EntityManager).fork();

  async function upload(user: SignedUp, files: string[]): Promise<string> {
    const parts = await Promise.all(
      files.map(async (name) => ({ name, content: await corpus(name) })),
    );
    return (await uploadAccepted(stack.http, user, parts)).batchId;
  }

  /**
   * Every ingestion job of the batch has ended (their event handlers, awaited by the pipeline,
   * too). Only this batch's jobs count: the queue is shared by the run's test files, and one of
   * them may leave a job behind that no worker of this file will take.
   */
  async function ingestionIdle(batchId: string): Promise<void> {
    await waitFor(async () => {
      const rows = await em().find(Document, { batchId });
      const final = rows.every((row) => row.status === 'completed' || row.status === 'failed');
      const ids = new Set(rows.map((row) => row.id));
      const unfinished = await ingestion.getJobs(['waiting', 'active', 'delayed']);
      return (
        final &&
        !unfinished.some((job) => ids.has((job?.data as { documentId?: string })?.documentId ?? ''))
      );
    }, 60_000);
  }

  /**
   * The mail queue sends one job at a time, in order: once a mail queued now has arrived, every
   * mail queued before it (and not waiting for a retry) has been sent too.
   */
  async function drainMail(): Promise<void> {
    const address = `sentinel-${randomBytes(4).toString('hex')}@docent.test`;
    await stack.api.get(MailProducer, { strict: false }).send({
      template: 'password-changed',
      to: { email: address },
      context: { displayName: 'Sentinel', changedAt: 'now' },
      eventId: uuidv7(),
    });
    await smtp.waitFor(to(address), 30_000);
  }

  async function notificationsOf(user: SignedUp): Promise<NotificationItem[]> {
    const res = await stack.http
      .get('/api/v1/notifications?limit=100')
      .set(bearer(user.token))
      .expect(200);
    return res.body.items as NotificationItem[];
  }

  const isSummary = (mail: CapturedMail) => /^Your upload is processed/.test(mail.subject);

  it('mails ONE summary per upload batch, listing completed and failed files, and stores a notification per file', async () => {
    const owner = await register();
    const batchId = await upload(owner, [...GOOD, ENCRYPTED]);

    const summary = await smtp.waitFor((m) => to(owner.email)(m) && isSummary(m), 60_000);
    await ingestionIdle(batchId);
    await drainMail();

    expect(mailsTo(owner.email)).toHaveLength(1);
    expect(summary.subject).toBe('Your upload is processed: 2 of 3 ready, 1 failed');
    expect(summary.text).toContain(`Hello ${owner.displayName},`);
    const [ready, failed] = summary.text.split('Failed (1):');
    expect(ready).toContain('Ready (2):');
    for (const file of GOOD) expect(ready).toContain(`- ${file}\n`);
    expect(failed).toContain(`- ${ENCRYPTED}: `);
    expect(failed).toContain('(encrypted_pdf)');
    expect(summary.text).toContain('http://docent.test/documents');
    expect(summary.html).toContain(`<li>${GOOD[0]}</li>`);

    const items = await notificationsOf(owner);
    expect(items).toHaveLength(3);
    const completed = items.filter((item) => item.type === 'ingestion.completed');
    expect(completed.map((item) => item.data.filename).sort()).toEqual([...GOOD].sort());
    for (const item of completed) expect(item.data.batchId).toBe(batchId);
    const failure = items.find((item) => item.type === 'ingestion.failed')!;
    expect(failure.data).toMatchObject({
      batchId,
      filename: ENCRYPTED,
      error: { code: 'encrypted_pdf', message: expect.any(String) },
    });
    expect(failure.title).toContain(ENCRYPTED);
    const count = await stack.http
      .get('/api/v1/notifications/unread-count')
      .set(bearer(owner.token))
      .expect(200);
    expect(count.body).toEqual({ count: 3 });

    // a later run of a document of that batch fails outside any batch: mailed at once, alone
    const documents = await em().find(Document, { batchId, filename: ENCRYPTED });
    await stack.http
      .post(`/api/v1/documents/${documents[0].id}/reingest`)
      .set(bearer(owner.token))
      .expect(202);
    const immediate = await smtp.waitFor(
      (m) => to(owner.email)(m) && m.subject === `Docent could not process ${ENCRYPTED}`,
      60_000,
    );
    expect(immediate.text).toContain('(encrypted_pdf)');
    await ingestionIdle(batchId);
    await drainMail();
    expect(mailsTo(owner.email).filter(isSummary)).toHaveLength(1);
    expect(mailsTo(owner.email)).toHaveLength(2);

    const metrics = await stack.worker!.get<typeof METRICS_REGISTRY, Registry>(METRICS_REGISTRY, {
      strict: false,
    });
    const text = await metrics.metrics();
    for (const channel of ['in_app', 'email', 'socket']) {
      const line = text
        .split('\n')
        .find((l) => l.startsWith('notifications_sent_total{') && l.includes(`"${channel}"`));
      expect(Number(line?.split(' ').pop())).toBeGreaterThan(0);
    }
  });

  it('gives exactly one summary when the last documents of a batch finish at the same time', async () => {
    const owner = await register();
    const batchId = uuidv7();
    const fork = em();
    const rows = ['a.txt', 'b.txt', 'c.txt'].map((filename, i) =>
      fork.create(Document, {
        owner: owner.id,
        batchId,
        filename,
        kind: 'txt',
        mimeType: 'text/plain',
        sizeBytes: '10',
        sha256: randomBytes(32).toString('hex'),
        storageKey: `documents/${owner.id}/${uuidv7()}`,
        status: i === 2 ? 'failed' : 'completed',
        errorCode: i === 2 ? 'corrupt_file' : null,
        errorMessage: i === 2 ? 'The file is damaged.' : null,
      }),
    );
    await fork.flush();
    // what the pipelines of three concurrent jobs (or three workers) publish once committed:
    // each finds the batch settled and emits ingestion.batch_settled
    const events = stack.worker!.get(IngestionEventPublisher, { strict: false });
    const settled: DomainEvents['ingestion.batch_settled'][] = [];
    const bus = stack.worker!.get(DomainEventBus, { strict: false });
    const off = bus.on('ingestion.batch_settled', (event) => {
      if (event.batchId === batchId) settled.push(event);
    });
    const run = (row: Document) => ({
      documentId: row.id,
      ownerId: owner.id,
      batchId,
      filename: row.filename,
      ingestionVersion: row.ingestionVersion,
    });
    try {
      await Promise.all([
        events.completed(run(rows[0])),
        events.completed(run(rows[1])),
        events.failed(run(rows[2]), { code: 'corrupt_file', message: 'The file is damaged.' }),
      ]);
    } finally {
      off();
    }
    expect(settled).toHaveLength(3);
    expect(settled[0].documents).toEqual([
      expect.objectContaining({ filename: 'a.txt', status: 'completed', error: null }),
      expect.objectContaining({ filename: 'b.txt', status: 'completed', error: null }),
      expect.objectContaining({
        filename: 'c.txt',
        status: 'failed',
        runId: `${rows[2].id}:v${rows[2].ingestionVersion}`,
        error: { code: 'corrupt_file', message: 'The file is damaged.' },
      }),
    ]);
    const summary = await smtp.waitFor((m) => to(owner.email)(m) && isSummary(m), 30_000);
    // the same events delivered again (a retried job) do not mail again either
    await events.completed(run(rows[0]));
    await drainMail();
    expect(mailsTo(owner.email)).toHaveLength(1);
    expect(summary.subject).toBe('Your upload is processed: 2 of 3 ready, 1 failed');
    expect(summary.text).toContain('- c.txt: The file is damaged. (corrupt_file)');
  });

  it('honours preferences: e-mail off gives no mail, in-app off stores nothing', async () => {
    const silent = await register();
    const mailOnly = await register();
    await stack.http
      .put('/api/v1/notifications/preferences')
      .set(bearer(silent.token))
      .send({
        'ingestion.completed': { inApp: false, email: false },
        'ingestion.failed': { inApp: false, email: false },
      })
      .expect(200);
    await stack.http
      .put('/api/v1/notifications/preferences')
      .set(bearer(mailOnly.token))
      .send({ 'ingestion.completed': { inApp: false }, 'ingestion.failed': { inApp: false } })
      .expect(200);

    const silentBatch = await upload(silent, [GOOD[0], ENCRYPTED]);
    const mailOnlyBatch = await upload(mailOnly, [GOOD[0], ENCRYPTED]);
    await smtp.waitFor((m) => to(mailOnly.email)(m) && isSummary(m), 60_000);
    await ingestionIdle(silentBatch);
    await ingestionIdle(mailOnlyBatch);
    await drainMail();

    expect(mailsTo(silent.email)).toHaveLength(0);
    expect(await notificationsOf(silent)).toEqual([]);
    expect(mailsTo(mailOnly.email)).toHaveLength(1);
    expect(await notificationsOf(mailOnly)).toEqual([]);

    // only failures by mail: a batch with a failure is still summed up
    await stack.http
      .put('/api/v1/notifications/preferences')
      .set(bearer(silent.token))
      .send({ 'ingestion.failed': { email: true } })
      .expect(200);
    const third = await upload(silent, ['single-paragraph.docx', 'empty.docx']);
    const summary = await smtp.waitFor((m) => to(silent.email)(m) && isSummary(m), 60_000);
    expect(summary.text).toContain('- empty.docx: ');
    await ingestionIdle(third);
    await drainMail();
    expect(mailsTo(silent.email)).toHaveLength(1);
  });

  it('notifies the sharee of a shared document (notification + mail)', async () => {
    const owner = await register();
    const sharee = await register();
    const batchId = await upload(owner, [GOOD[0]]);
    const [document] = await em().find(Document, { batchId });
    await stack.http
      .post(`/api/v1/documents/${document.id}/shares`)
      .set(bearer(owner.token))
      .send({ userId: sharee.id, permission: 'write' })
      .expect(201);

    const mail = await smtp.waitFor(to(sharee.email), 30_000);
    expect(mail.subject).toBe(`${owner.displayName} shared ${GOOD[0]} with you`);
    expect(mail.text).toContain('You can read and edit it.');
    expect(mail.text).toContain(`http://docent.test/documents/${document.id}`);
    const items = await notificationsOf(sharee);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      type: 'document.shared',
      data: { documentId: document.id, filename: GOOD[0], permission: 'write' },
    });
    expect(items[0].title).toContain(owner.displayName);
  });

  it('delivers the password-changed mail exactly once when SMTP is down and comes back', async () => {
    const user = await register();
    await proxy.stop();
    try {
      await stack.http
        .post('/api/v1/auth/change-password')
        .set(bearer(user.token))
        .send({ currentPassword: user.password, newPassword: `${user.password} renewed` })
        .expect(204);
      const [notification] = await notificationsOf(user);
      expect(notification).toMatchObject({
        type: 'security.password_changed',
        title: 'Your password was changed',
        data: { via: 'change' },
      });
      // the mail job's event id is the notification's: wait for a failed attempt
      const jobId = `password-changed:${notification.id}`;
      await waitFor(async () => ((await mailQueue.getJob(jobId))?.attemptsMade ?? 0) >= 1, 20_000);
      expect(mailsTo(user.email)).toHaveLength(0);
    } finally {
      await proxy.start();
    }
    const mail = await smtp.waitFor(to(user.email), 45_000);
    expect(mail.subject).toBe('Your Docent password was changed');
    expect(mail.text).toContain(`Hello ${user.displayName},`);
    await drainMail();
    expect(mailsTo(user.email)).toHaveLength(1);
  }, 90_000);

  it('purges notifications older than the retention on the repeatable maintenance job', async () => {
    const user = await register();
    const fork = em();
    const day = 86_400_000;
    const make = (ageMs: number, title: string) =>
      fork.create(Notification, {
        user: user.id,
        type: 'document.shared',
        title,
        body: 'b',
        createdAt: new Date(Date.now() - ageMs),
      });
    make(45 * day, 'old');
    make(31 * day, 'older than 30 days');
    make(29 * day, 'recent');
    make(0, 'new');
    await fork.flush();

    // scheduled once at worker start, and scheduling again changes nothing
    const repeatables = async () =>
      (await maintenance.getRepeatableJobs()).filter(
        (job) => job.name === JOBS.maintenance.notificationsPurge,
      );
    await waitFor(async () => (await repeatables()).length === 1, 10_000);
    await stack
      .worker!.get(MaintenanceTasks, { strict: false })
      .schedule(JOBS.maintenance.notificationsPurge);
    expect(await repeatables()).toEqual([
      expect.objectContaining({ every: NOTIFICATIONS_PURGE_EVERY_MS }),
    ]);

    // run it now rather than in an hour: the same job, processed by the worker
    const job = await maintenance.add(
      JOBS.maintenance.notificationsPurge,
      { task: JOBS.maintenance.notificationsPurge },
      { jobId: `purge-now-${uuidv7()}` },
    );
    const result = (await job.finished()) as { deleted: number };
    expect(result.deleted).toBeGreaterThanOrEqual(2);
    const left = await em().find(
      Notification,
      { user: user.id },
      { orderBy: { createdAt: 'asc' } },
    );
    expect(left.map((row) => row.title)).toEqual(['recent', 'new']);
  });
});
