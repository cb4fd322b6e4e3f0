import { EntityManager } from '@mikro-orm/postgresql';
import Bull, { type Queue } from 'bull';
import Redis from 'ioredis';
import { AuditEvent } from '@docent/audit';
import { PasswordResetToken } from '@docent/auth';
import { MAIL_PURGE_EVERY_MS, MailPurge, type SendMailJob } from '@docent/mail';
import { NotificationPreference } from '@docent/notifications';
import { JOBS, QUEUES } from '@docent/queue';
import { waitFor } from './support/http';
import type { CapturedMail } from './support/smtp';
import { bearer, newIdentity, type Stack, startStack } from './support/stack';

const FIREFOX_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const FIREFOX_WINDOWS_UPDATED =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:134.0) Gecko/20100101 Firefox/134.0';
const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
}

interface NotificationBody {
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
}

describe('security notices and mail at rest (issue 12)', () => {
  let stack: Stack;
  let mailQueue: Queue<SendMailJob>;
  let maintenance: Queue;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack({}, { worker: true });
    const prefix = `${stack.config.redis.keyPrefix}bull`;
    mailQueue = new Bull(QUEUES.mail, stack.config.redis.url!, { prefix });
    maintenance = new Bull(QUEUES.maintenance, stack.config.redis.url!, { prefix });
    redis = new Redis(stack.config.redis.url!);
  });

  afterAll(async () => {
    redis?.disconnect();
    await mailQueue?.close();
    await maintenance?.close();
    await stack?.close();
  });

  const em = () => stack.api.get(EntityManager).fork();

  async function register(): Promise<Account> {
    const identity = newIdentity('notice');
    const res = await stack.http.post('/api/v1/auth/register').send(identity).expect(201);
    return {
      id: res.body.user.id,
      email: identity.email,
      password: identity.password,
      token: res.body.accessToken,
    };
  }

  const login = (account: Account, userAgent: string) =>
    stack.http
      .post('/api/v1/auth/login')
      .set('User-Agent', userAgent)
      .send({ email: account.email, password: account.password })
      .expect(200);

  async function notices(account: Account, type: string): Promise<NotificationBody[]> {
    const res = await stack.http
      .get('/api/v1/notifications')
      .set(bearer(account.token))
      .expect(200);
    return (res.body.items as NotificationBody[]).filter((item) => item.type === type);
  }

  const mailsTo = (account: Account, subject: string) =>
    stack.smtp.messages.filter((m) => m.to.includes(account.email) && m.subject === subject);

  /** Every mail job queued so far is done: a marker mail sent after them has arrived. */
  async function drainMail(): Promise<void> {
    await waitFor(
      async () =>
        (await mailQueue.getJobCounts()).waiting + (await mailQueue.getActiveCount()) === 0,
      20_000,
    );
  }

  describe('new sign-in', () => {
    const SUBJECT = 'New sign-in to your Docent account';

    it('is never sent for the first login, nor for a device seen recently (a browser update included)', async () => {
      const alice = await register();
      await login(alice, FIREFOX_WINDOWS);
      await login(alice, FIREFOX_WINDOWS);
      await login(alice, FIREFOX_WINDOWS_UPDATED);
      await drainMail();
      expect(await notices(alice, 'security.new_sign_in')).toEqual([]);
      expect(mailsTo(alice, SUBJECT)).toEqual([]);
    });

    it('is stored and mailed for a login from a new device, with time, ip and a coarse user agent', async () => {
      const alice = await register();
      await login(alice, FIREFOX_WINDOWS);
      const before = Date.now();
      await login(alice, CHROME_ANDROID);
      const [notice] = await notices(alice, 'security.new_sign_in');
      expect(notice).toMatchObject({
        title: 'New sign-in to your account',
        data: { device: 'Chrome on Android', ip: expect.stringMatching(/127\.0\.0\.1$/) },
      });
      const at = Date.parse(notice.data.at as string);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
      expect(notice.body).toContain('Chrome on Android');
      // the whole header is never stored or sent
      expect(JSON.stringify(notice)).not.toContain('Pixel 8');

      const mail: CapturedMail = await stack.smtp.waitFor(
        (m) => m.to.includes(alice.email) && m.subject === SUBJECT,
        20_000,
      );
      expect(mail.text).toContain('Device: Chrome on Android');
      expect(mail.text).toMatch(/IP address: \S*127\.0\.0\.1/);
      expect(mail.text).toMatch(/When: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

      // the same device again is known now
      await login(alice, CHROME_ANDROID);
      await drainMail();
      expect(await notices(alice, 'security.new_sign_in')).toHaveLength(1);
      expect(mailsTo(alice, SUBJECT)).toHaveLength(1);
    });

    it('cannot be silenced: an opt-out stored before this release is ignored', async () => {
      const bob = await register();
      await login(bob, FIREFOX_WINDOWS);
      const fork = em();
      for (const type of ['security.new_sign_in', 'security.password_changed']) {
        fork.create(NotificationPreference, { user: bob.id, type, inApp: false, email: false });
      }
      await fork.flush();
      await login(bob, CHROME_ANDROID);
      expect(await notices(bob, 'security.new_sign_in')).toHaveLength(1);
      await stack.smtp.waitFor((m) => m.to.includes(bob.email) && m.subject === SUBJECT, 20_000);

      await stack.http
        .post('/api/v1/auth/change-password')
        .set(bearer(bob.token))
        .send({ currentPassword: bob.password, newPassword: `${bob.password} anew` })
        .expect(204);
      expect(await notices(bob, 'security.password_changed')).toHaveLength(1);
      await stack.smtp.waitFor(
        (m) => m.to.includes(bob.email) && m.subject === 'Your Docent password was changed',
        20_000,
      );
    });
  });

  describe('preferences', () => {
    it('refuses to turn security notices off (400 with a field error, nothing changed) and shows them on', async () => {
      const carol = await register();
      const put = (body: object) =>
        stack.http.put('/api/v1/notifications/preferences').set(bearer(carol.token)).send(body);
      for (const [type, channel] of [
        ['security.new_sign_in', 'email'],
        ['security.new_sign_in', 'inApp'],
        ['security.password_changed', 'email'],
        ['security.password_changed', 'inApp'],
      ]) {
        const res = await put({
          [type]: { [channel]: false },
          'document.shared': { email: false },
        });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([
          { field: `${type}.${channel}`, message: 'security notices cannot be turned off' },
        ]);
      }
      const shown = await stack.http
        .get('/api/v1/notifications/preferences')
        .set(bearer(carol.token))
        .expect(200);
      expect(shown.body).toMatchObject({
        'security.new_sign_in': { inApp: true, email: true },
        'security.password_changed': { inApp: true, email: true },
        // the refused request changed nothing else either
        'document.shared': { inApp: true, email: true },
      });
      // `true` is accepted and is no change
      const same = await put({ 'security.new_sign_in': { inApp: true, email: true } }).expect(200);
      expect(same.body['security.new_sign_in']).toEqual({ inApp: true, email: true });
      expect(
        await em().count(AuditEvent, {
          action: 'notifications.preferences_updated',
          targetId: carol.id,
        }),
      ).toBe(0);
    });
  });

  describe('mail jobs at rest', () => {
    it('keeps no reset token or link in clear in the Redis job, and removes the job once sent', async () => {
      const dave = await register();
      const prefix = stack.config.redis.keyPrefix;
      // hold the queue, so the job is certainly still in Redis when it is read
      await mailQueue.pause();
      let raw: Record<string, string>;
      let jobId: string;
      try {
        await stack.http
          .post('/api/v1/auth/forgot-password')
          .send({ email: dave.email })
          .expect(202);
        const row = await waitFor(
          async () => (await em().findOne(PasswordResetToken, { user: dave.id })) !== null,
          10_000,
        ).then(() => em().findOneOrFail(PasswordResetToken, { user: dave.id }));
        jobId = `password-reset:${row.id}`;
        await waitFor(
          async () => (await redis.exists(`${prefix}bull:mail:${jobId}`)) === 1,
          10_000,
        );
        raw = await redis.hgetall(`${prefix}bull:mail:${jobId}`);
      } finally {
        await mailQueue.resume();
      }
      const mail = await stack.smtp.waitFor(
        (m) => m.to.includes(dave.email) && m.subject === 'Reset your Docent password',
        20_000,
      );
      const link = /https?:\/\/\S+\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mail.text);
      expect(link).not.toBeNull();
      const token = link![1];

      const stored = JSON.stringify(raw);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain('reset-password');
      expect(stored).not.toContain('token=');
      const data = JSON.parse(raw.data) as Record<string, unknown>;
      expect(data).not.toHaveProperty('context');
      expect(data.sealedContext).toEqual(expect.stringMatching(/^v1\./));
      // failed jobs do not stay forever either
      expect(JSON.parse(raw.opts)).toMatchObject({
        removeOnComplete: true,
        removeOnFail: { age: 24 * 3600 },
      });
      // the link works, and the delivered job is gone from Redis
      await stack.http
        .post('/api/v1/auth/reset-password')
        .send({ token, newPassword: `${dave.password} reset` })
        .expect(204);
      await waitFor(async () => (await redis.exists(`${prefix}bull:mail:${jobId}`)) === 0, 10_000);
    });

    it('removes failed mail jobs after their retention, on a repeatable maintenance job', async () => {
      const failed = await mailQueue.add(
        JOBS.mail.send,
        {
          template: 'password-changed',
          to: { email: 'not an address' },
          context: { displayName: 'x', changedAt: 'now' },
          eventId: 'purge-me',
        },
        { jobId: 'password-changed:purge-me', attempts: 1 },
      );
      await waitFor(async () => (await failed.getState()) === 'failed', 10_000);
      const purge = stack.worker!.get(MailPurge, { strict: false });
      // within the retention it stays for operators to see
      await purge.run();
      expect(await mailQueue.getJob(failed.id)).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await purge.run(10)).toBeGreaterThanOrEqual(1);
      expect(await mailQueue.getJob(failed.id)).toBeNull();

      const repeatables = (await maintenance.getRepeatableJobs()).filter(
        (job) => job.name === JOBS.maintenance.mailPurge,
      );
      expect(repeatables).toEqual([expect.objectContaining({ every: MAIL_PURGE_EVERY_MS })]);
    });
  });
});
