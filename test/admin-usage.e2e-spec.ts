import { EntityManager } from '@mikro-orm/postgresql';
import { Document } from '@docent/documents';
import { UsageService } from '@docent/chat';
import { uuidv7 } from '@docent/common';
import { indexedDocument } from './support/documents';
import { type SignedUp, signUp, type Stack, startStack } from './support/stack';

const USAGE = '/api/v1/admin/usage';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Counters {
  signIns: number;
  uploads: number;
  bytesIngested: number;
  questions: number;
  answerTokens: number;
  searches: number;
  exports: number;
  shares: number;
}
interface Period extends Counters {
  period: string;
  activeUsers: number;
}
interface TopUser extends Counters {
  userId: string;
  displayName: string;
  activeDays: number;
}
interface Report {
  from: string;
  to: string;
  groupBy: string;
  totals: Counters & { activeUsers: number };
  series: Period[];
  activeUsers: { asOf: string; daily: number; weekly: number; monthly: number };
  topUsers: TopUser[];
  failuresByCode: { code: string; count: number }[];
  generatedAt: string;
}

const ZERO: Counters = {
  signIns: 0,
  uploads: 0,
  bytesIngested: 0,
  questions: 0,
  answerTokens: 0,
  searches: 0,
  exports: 0,
  shares: 0,
};

/**
 * Usage analytics (SPEC §9, issue 16): every feature a person uses is counted per user per UTC
 * day by the real endpoints, and GET /admin/usage sums the counters over a window of days, per
 * day, week or month, with the active people, the most active ones and the ingestion failures.
 * Windows in a past year no other test writes to make the sums exact while other files run.
 */
describe('usage analytics (GET /admin/usage)', () => {
  let stack: Stack;
  let admin: SignedUp;
  let member: SignedUp;

  const report = async (query: Record<string, string>): Promise<Report> => {
    const res = await stack.http.get(USAGE).query(query).set(bearer(admin.token)).expect(200);
    return res.body as Report;
  };
  const usageRow = async (userId: string): Promise<Record<string, string | number>> => {
    const rows = await stack.api
      .get(EntityManager)
      .getConnection()
      .execute<Record<string, string | number>[]>(
        `select * from usage_daily where user_id = ? and day = (now() at time zone 'UTC')::date`,
        [userId],
      );
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  beforeAll(async () => {
    stack = await startStack();
    admin = await signUp(stack, { role: 'admin', prefix: 'usageadmin' });
    member = await signUp(stack, { prefix: 'usagemember' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('counts sign-ins, uploads and bytes, searches, questions and tokens, exports and shares through the real endpoints, without content or e-mail', async () => {
    const person = await signUp(stack, { prefix: 'usageperson' });
    const friend = await signUp(stack, { prefix: 'usagefriend' });
    const { http } = stack;
    await http
      .post('/api/v1/auth/login')
      .send({ email: person.email, password: person.password })
      .expect(200);
    const documentId = await indexedDocument(stack, person, [
      'The lighthouse keeper logs the weather every evening at six.',
    ]);
    const size = (await stack.api.get(EntityManager).fork().findOneOrFail(Document, documentId))
      .sizeBytes;
    await http
      .get('/api/v1/search')
      .query({ q: 'lighthouse' })
      .set(bearer(person.token))
      .expect(200);
    await http.get('/api/v1/search').query({ q: 'weather' }).set(bearer(person.token)).expect(200);
    const session = await http
      .post('/api/v1/chat/sessions')
      .set(bearer(person.token))
      .send({})
      .expect(201);
    const answer = await http
      .post(`/api/v1/chat/sessions/${session.body.id}/messages`)
      .set(bearer(person.token))
      .send({ content: 'When does the lighthouse keeper log the weather?' })
      .expect(201);
    expect(answer.body.assistantMessage.content).toMatch(/six/i);
    await http
      .get(`/api/v1/chat/sessions/${session.body.id}/export`)
      .query({ format: 'markdown' })
      .set(bearer(person.token))
      .expect(200);
    await http
      .post(`/api/v1/documents/${documentId}/shares`)
      .set(bearer(person.token))
      .send({ userId: friend.id, permission: 'read' })
      .expect((res) => expect([200, 201]).toContain(res.status));

    const row = await usageRow(person.id);
    expect({
      signIns: Number(row.sign_ins),
      uploads: Number(row.uploads),
      bytesIngested: Number(row.bytes_ingested),
      questions: Number(row.questions),
      searches: Number(row.searches),
      exports: Number(row.exports),
      shares: Number(row.shares),
    }).toEqual({
      signIns: 2, // the sign-up and the login
      uploads: 1,
      bytesIngested: Number(size),
      questions: 1,
      searches: 2,
      exports: 1,
      shares: 1,
    });
    expect(Number(row.answer_tokens)).toBeGreaterThan(0);
    // counters only: nothing of what the person wrote, read or is called
    const text = JSON.stringify(row);
    for (const secret of [person.email, 'lighthouse', 'weather', person.displayName]) {
      expect(text).not.toContain(secret);
    }
    // the friend only signed up
    expect(Number((await usageRow(friend.id)).sign_ins)).toBe(1);

    // today's report holds at least this person's use (other files share the database)
    const today = new Date().toISOString().slice(0, 10);
    const body = await report({ from: today, to: today });
    expect(body.series).toHaveLength(1);
    expect(body.series[0].period).toBe(today);
    expect(body.totals.questions).toBeGreaterThanOrEqual(1);
    expect(body.totals.searches).toBeGreaterThanOrEqual(2);
    expect(body.activeUsers.daily).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(body)).not.toContain(person.email);
  });

  it('sums a window per day, week and month with zeros for quiet periods, the active people and the top users', async () => {
    // 2001: a year no other test writes usage for
    const usage = stack.api.get(UsageService);
    const ann = await signUp(stack, { prefix: 'usageann' });
    const bob = await signUp(stack, { prefix: 'usagebob' });
    const at = (day: string) => new Date(`${day}T12:00:00Z`);
    await usage.record(ann.id, { questions: 3, answerTokens: 120, searches: 1 }, at('2001-03-05'));
    await usage.record(ann.id, { uploads: 2, bytesIngested: 5000 }, at('2001-03-06'));
    await usage.record(ann.id, { questions: 1, answerTokens: 40 }, at('2001-03-06'));
    await usage.record(bob.id, { signIns: 1, exports: 1, shares: 2 }, at('2001-03-06'));
    await usage.record(bob.id, { searches: 4 }, at('2001-03-14'));
    await usage.record(ann.id, { questions: 9 }, at('2001-04-02')); // outside the window

    const daily = await report({ from: '2001-03-04', to: '2001-03-14' });
    expect(daily.from).toBe('2001-03-04');
    expect(daily.to).toBe('2001-03-14');
    expect(daily.groupBy).toBe('day');
    expect(daily.series.map((p) => p.period)).toEqual(
      Array.from({ length: 11 }, (_, i) => `2001-03-${String(4 + i).padStart(2, '0')}`),
    );
    expect(daily.series[0]).toEqual({ period: '2001-03-04', ...ZERO, activeUsers: 0 });
    expect(daily.series[1]).toEqual({
      period: '2001-03-05',
      ...ZERO,
      questions: 3,
      answerTokens: 120,
      searches: 1,
      activeUsers: 1,
    });
    expect(daily.series[2]).toEqual({
      period: '2001-03-06',
      ...ZERO,
      signIns: 1,
      uploads: 2,
      bytesIngested: 5000,
      questions: 1,
      answerTokens: 40,
      exports: 1,
      shares: 2,
      activeUsers: 2,
    });
    expect(daily.totals).toEqual({
      signIns: 1,
      uploads: 2,
      bytesIngested: 5000,
      questions: 4,
      answerTokens: 160,
      searches: 5,
      exports: 1,
      shares: 2,
      activeUsers: 2,
    });
    // as of the last day: bob on the 14th; the week back to the 8th: bob; 30 days: both
    expect(daily.activeUsers).toEqual({ asOf: '2001-03-14', daily: 1, weekly: 1, monthly: 2 });
    // ann: 3 + 2 + 1 = 6 actions (+1 search) on 2 days; bob: 1 + 1 + 2 + 4 = 8 on 2 days
    expect(daily.topUsers.map((u) => [u.userId, u.activeDays])).toEqual([
      [bob.id, 2],
      [ann.id, 2],
    ]);
    expect(daily.topUsers[0]).toMatchObject({
      displayName: bob.displayName,
      signIns: 1,
      searches: 4,
      exports: 1,
      shares: 2,
    });
    expect(JSON.stringify(daily)).not.toContain(ann.email);

    // weeks start on Monday: 2001-03-05 and 2001-03-12 were Mondays; the 4th's week began 02-26
    const weekly = await report({ from: '2001-03-04', to: '2001-03-14', groupBy: 'week' });
    expect(weekly.series.map((p) => [p.period, p.questions, p.searches, p.activeUsers])).toEqual([
      ['2001-02-26', 0, 0, 0],
      ['2001-03-05', 4, 1, 2],
      ['2001-03-12', 0, 4, 1],
    ]);
    const monthly = await report({ from: '2001-03-01', to: '2001-04-30', groupBy: 'month' });
    expect(monthly.series.map((p) => [p.period, p.questions, p.activeUsers])).toEqual([
      ['2001-03-01', 4, 2],
      ['2001-04-01', 9, 1],
    ]);
    expect(monthly.totals.questions).toBe(13);
  });

  it('lists the window’s ingestion failures by code', async () => {
    const code = `usage_probe_${uuidv7().replace(/-/g, '').slice(-12)}`;
    const em = stack.api.get(EntityManager).fork();
    em.create(Document, {
      owner: member.id,
      batchId: uuidv7(),
      filename: 'usage-failed.txt',
      kind: 'txt',
      mimeType: 'text/plain',
      sizeBytes: '10',
      sha256: uuidv7(),
      storageKey: `documents/${uuidv7()}`,
      status: 'failed',
      errorCode: code,
      errorMessage: 'Probe failure.',
    });
    await em.flush();
    const today = new Date().toISOString().slice(0, 10);
    const body = await report({ from: today, to: today });
    expect(body.failuresByCode).toContainEqual({ code, count: 1 });
    const past = await report({ from: '2001-01-01', to: '2001-01-31' });
    expect(past.failuresByCode.find((f) => f.code === code)).toBeUndefined();
  });

  it('defaults to the last 30 days by day', async () => {
    const body = await report({});
    const today = new Date().toISOString().slice(0, 10);
    expect(body.to).toBe(today);
    expect(body.series).toHaveLength(30);
    expect(body.series.at(-1)?.period).toBe(today);
    expect(body.from).toBe(body.series[0].period);
  });

  it('refuses bad windows with problem details, and anyone without the stats permission', async () => {
    const bad: [Record<string, string>, string][] = [
      [{ from: '2001-02-30' }, 'from'],
      [{ to: 'yesterday' }, 'to'],
      [{ from: '2001-03-10', to: '2001-03-01' }, 'from'],
      [{ from: '2000-01-01', to: '2001-12-31' }, 'from'],
      [{ groupBy: 'year' }, 'groupBy'],
    ];
    for (const [query, field] of bad) {
      const res = await stack.http.get(USAGE).query(query).set(bearer(admin.token));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.status).toBe(400);
      expect(JSON.stringify(res.body.errors)).toContain(field);
    }
    const denied = await stack.http.get(USAGE).set(bearer(member.token));
    expect(denied.status).toBe(403);
    await stack.http.get(USAGE).expect(401);
  });
});
