import { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import { AuditEvent } from '@docent/audit';
import { DocumentShare } from '@docent/documents';
import { uploadOne } from './support/documents';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';

/** The padding of a share by e-mail (SHARE_BY_EMAIL_MIN_MS). */
const MIN_MS = 200;
/** The sender's hourly budget (SHARE_REQUESTS_PER_HOUR). */
const BUDGET = 50;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/**
 * Issue 12 (low): a share by e-mail must not tell whether the address has an account, and one
 * sender cannot mail (or probe) without bound. Real api, worker (mail), PostgreSQL and Redis.
 */
describe('shares that reveal nothing', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({}, { worker: true });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const em = () => stack.api.get(EntityManager).fork();
  const register = (role?: string) => signUp(stack, { role, prefix: 'priv' });
  const unknownEmail = () => `nobody-${randomBytes(6).toString('hex')}@docent.test`;

  const uploadNote = (owner: SignedUp): Promise<string> =>
    uploadOne(
      stack.http,
      owner,
      'note.txt',
      `A note ${randomBytes(8).toString('hex')}\n`,
      'text/plain',
    );

  async function shareByEmail(
    owner: SignedUp,
    documentId: string,
    email: string,
    permission = 'read',
  ) {
    const started = performance.now();
    const res = await stack.http
      .post(`/api/v1/documents/${documentId}/shares`)
      .set(bearer(owner.token))
      .send({ email, permission });
    return { res, ms: performance.now() - started };
  }

  /** What a client can see of an answer, minus what differs on every request or address. */
  const observable = (res: request.Response) => ({
    status: res.status,
    headers: Object.keys(res.headers)
      .filter((name) => !['date', 'x-request-id'].includes(name))
      .sort()
      // lengths follow the address; rate-limit counters follow the caller's earlier requests
      .map((name) =>
        name === 'content-length' || name.startsWith('x-ratelimit-')
          ? name
          : `${name}: ${res.headers[name]}`,
      ),
    body: { ...(res.body as object), email: '<address>', requestId: '<id>' },
  });

  it('answers a known and an unknown address alike; only the known one gets a share and mail', async () => {
    const owner = await register();
    const documentId = await uploadNote(owner);
    const knowns = await Promise.all(Array.from({ length: 5 }, () => register()));
    const unknowns = Array.from({ length: 5 }, unknownEmail);

    const timings = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 5; i += 1) {
      const known = await shareByEmail(owner, documentId, knowns[i].email.toUpperCase());
      const unknown = await shareByEmail(owner, documentId, unknowns[i]);
      timings.known.push(known.ms);
      timings.unknown.push(unknown.ms);
      expect(known.res.status).toBe(202);
      expect(observable(unknown.res)).toEqual(observable(known.res));
      expect(known.res.body).toEqual({ email: knowns[i].email, permission: 'read' });
      expect(unknown.res.body).toEqual({ email: unknowns[i], permission: 'read' });
      // neither answers before the padding: the work done for a known address stays hidden
      expect(known.ms).toBeGreaterThanOrEqual(MIN_MS);
      expect(unknown.ms).toBeGreaterThanOrEqual(MIN_MS);
    }
    process.stdout.write(
      `share by e-mail, median of 5: known ${median(timings.known).toFixed(1)} ms, ` +
        `unknown ${median(timings.unknown).toFixed(1)} ms ` +
        `(known ${timings.known.map((t) => t.toFixed(0)).join('/')}, ` +
        `unknown ${timings.unknown.map((t) => t.toFixed(0)).join('/')})\n`,
    );

    // the known addresses have a share, a notification and a mail; the unknown ones nothing
    const shares = await em().find(DocumentShare, { document: documentId });
    expect(shares.map((share) => share.user.id).sort()).toEqual(knowns.map((k) => k.id).sort());
    const list = await stack.http
      .get(`/api/v1/documents/${documentId}/shares`)
      .set(bearer(owner.token))
      .expect(200);
    expect(list.body.items.map((item: { email: string }) => item.email).sort()).toEqual(
      knowns.map((k) => k.email).sort(),
    );
    for (const known of knowns) {
      await stack.smtp.waitFor((mail) => mail.to.includes(known.email), 30_000);
      const notes = await stack.http
        .get('/api/v1/notifications')
        .set(bearer(known.token))
        .expect(200);
      expect(notes.body.items.map((n: { type: string }) => n.type)).toEqual(['document.shared']);
    }
    expect(stack.smtp.messages.filter((m) => unknowns.some((u) => m.to.includes(u)))).toEqual([]);
    // refusals are audited for operators, with the reason the caller was not told
    const refused = await em().find(AuditEvent, {
      action: 'document.share_refused',
      targetId: documentId,
    });
    expect(
      refused
        .map((event) => event.metadata)
        .sort((a, b) => String(a.email).localeCompare(String(b.email))),
    ).toEqual(
      [...unknowns].sort().map((email) => ({ email, permission: 'read', reason: 'no_account' })),
    );
    expect(refused.every((event) => event.outcome === 'denied' && event.actorId === owner.id)).toBe(
      true,
    );
  }, 120_000);

  it('answers the same when the address cannot take the share (owner, read-only role)', async () => {
    const owner = await register();
    const viewer = await register('viewer');
    const admin = await register('admin');
    const documentId = await uploadNote(owner);

    const baseline = await shareByEmail(owner, documentId, unknownEmail(), 'write');
    const toViewer = await shareByEmail(owner, documentId, viewer.email, 'write');
    const adminToOwner = await shareByEmail(admin, documentId, owner.email, 'write');
    for (const { res } of [toViewer, adminToOwner]) {
      expect(observable(res)).toEqual(observable(baseline.res));
    }
    expect(await em().count(DocumentShare, { document: documentId })).toBe(0);
    // by id the caller already knows the account, so the reason is given
    const byId = await stack.http
      .post(`/api/v1/documents/${documentId}/shares`)
      .set(bearer(owner.token))
      .send({ userId: viewer.id, permission: 'write' });
    expect(byId.status).toBe(422);
    expect(byId.body.code).toBe('permission_not_allowed_for_role');
    // and one's own address is refused: that tells the caller nothing new
    const self = await shareByEmail(owner, documentId, owner.email);
    expect(self.res.status).toBe(422);
    expect(self.res.body.code).toBe('cannot_share_with_owner');
  }, 60_000);

  it(`limits share requests to ${BUDGET} per sender and hour (429), counting unknown addresses too`, async () => {
    const owner = await register();
    const other = await register();
    const sharee = await register();
    const documentId = await uploadNote(owner);
    for (let sent = 0; sent < BUDGET; sent += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => shareByEmail(owner, documentId, unknownEmail())),
      );
      expect(batch.map(({ res }) => res.status)).toEqual(Array(10).fill(202));
    }
    // the budget is spent: a real share is refused too, nothing created, nobody told
    const refused = await stack.http
      .post(`/api/v1/documents/${documentId}/shares`)
      .set(bearer(owner.token))
      .send({ email: sharee.email, permission: 'read' });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('share_rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    const byId = await stack.http
      .post(`/api/v1/documents/${documentId}/shares`)
      .set(bearer(owner.token))
      .send({ userId: sharee.id, permission: 'read' });
    expect(byId.status).toBe(429);
    expect(await em().count(DocumentShare, { document: documentId })).toBe(0);
    const notes = await stack.http
      .get('/api/v1/notifications')
      .set(bearer(sharee.token))
      .expect(200);
    expect(notes.body.items).toEqual([]);

    // the budget is the sender's: someone else still shares
    const theirs = await uploadNote(other);
    const ok = await shareByEmail(other, theirs, sharee.email);
    expect(ok.res.status).toBe(202);
    await waitFor(async () => (await em().count(DocumentShare, { document: theirs })) === 1, 5000);
  }, 60_000);
});
