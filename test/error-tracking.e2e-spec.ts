import { Client } from 'pg';
import { flushErrorTracking, startErrorTracking, stopErrorTracking } from '@docent/telemetry';
import { uploadOne, waitForStatus } from './support/documents';
import { freshDatabase } from './support/fresh-database';
import { bearer, signUp, type SignedUp, type Stack, startStack } from './support/stack';
import { type EnvelopeServer, startEnvelopeServer } from './support/telemetry';

/**
 * Error tracking against a Sentry-protocol (envelope) server started here, what Sentry and
 * GlitchTip ingest: a 500 is one event with its request id and no secret, a job that failed for
 * good is one event with its job id, and a tracker that is down changes no answer.
 */
describe('error tracking', () => {
  let tracker: EnvelopeServer;
  let database: { url: string; drop(): Promise<void> };
  let stack: Stack;
  let user: SignedUp;

  /** Runs SQL as the database's owner (the test breaks and repairs the schema with it). */
  async function sql(text: string): Promise<void> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  }

  /** A real fault: the table the document list reads is gone (a botched manual migration). */
  async function withDocumentsTableMissing(run: () => Promise<void>): Promise<void> {
    await sql('alter table documents rename to documents_elsewhere');
    try {
      await run();
    } finally {
      await sql('alter table documents_elsewhere rename to documents');
    }
  }

  beforeAll(async () => {
    tracker = await startEnvelopeServer();
    // a database of this file's own: the test renames one of its tables
    database = await freshDatabase();
    stack = await startStack(
      {
        DATABASE_URL: database.url,
        SENTRY_DSN: tracker.dsn,
        SENTRY_ENVIRONMENT: 'e2e',
        SENTRY_RELEASE: 'docent@e2e',
      },
      { worker: true },
    );
    // what apps/*/src/instrument.ts does with the same settings (one process holds both apps here)
    startErrorTracking(stack.config.telemetry.errorTracking!, 'api');
    user = await signUp(stack);
  });

  afterAll(async () => {
    await stopErrorTracking(1000);
    await stack?.close();
    await tracker?.close();
    await database?.drop();
  });

  it('reads the DSN, environment and release from the environment', () => {
    expect(stack.config.telemetry.errorTracking).toEqual({
      dsn: tracker.dsn,
      environment: 'e2e',
      release: 'docent@e2e',
    });
  });

  it('reports one 500 as one event with its request id, route and user id, and no secret', async () => {
    const refreshCookie = 'refresh_token=cookie-secret-6c1f0e2b9a';
    const before = tracker.events.length;
    let requestId = '';
    await withDocumentsTableMissing(async () => {
      const res = await stack.http
        .get('/api/v1/documents')
        .set(bearer(user.token))
        .set('Cookie', refreshCookie)
        .expect(500);
      expect(res.body).toMatchObject({ status: 500, code: 'internal_error' });
      requestId = res.headers['x-request-id'] as string;
      expect(res.body.requestId).toBe(requestId);
    });
    expect(await flushErrorTracking(5000)).toBe(true);

    const events = tracker.events.slice(before);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.tags).toMatchObject({
      request_id: requestId,
      'http.method': 'GET',
      'http.route': '/api/v1/documents',
      'http.status_code': '500',
    });
    expect(event.user).toEqual({ id: user.id });
    expect(event).toMatchObject({ environment: 'e2e', release: 'docent@e2e' });
    expect(event.exception?.values?.length).toBeGreaterThan(0);
    // nothing of the request's secrets, nor the user's e-mail, reached the tracker
    const sent = tracker.raw.join('\n');
    for (const secret of [user.token, 'cookie-secret-6c1f0e2b9a', user.password, user.email]) {
      expect(sent).not.toContain(secret);
    }
  });

  it('reports every occurrence: the same failure twice is two events', async () => {
    const before = tracker.events.length;
    const ids: string[] = [];
    await withDocumentsTableMissing(async () => {
      for (let i = 0; i < 2; i++) {
        const res = await stack.http.get('/api/v1/documents').set(bearer(user.token)).expect(500);
        ids.push(res.headers['x-request-id'] as string);
      }
    });
    expect(await flushErrorTracking(5000)).toBe(true);
    expect(tracker.events.slice(before).map((event) => event.tags?.request_id)).toEqual(ids);
  });

  it('does not report answers under 500', async () => {
    const before = tracker.events.length;
    await stack.http.get('/api/v1/documents/not-a-uuid').set(bearer(user.token)).expect(400);
    await stack.http.get('/api/v1/documents').expect(401);
    expect(await flushErrorTracking(5000)).toBe(true);
    expect(tracker.events.slice(before)).toEqual([]);
  });

  it("reports an ingestion job's final failure once, with its job, queue and document ids", async () => {
    const before = tracker.events.length;
    // a permanent failure (no text to extract): bull discards the job after its first attempt
    const documentId = await uploadOne(stack.http, user, 'empty.docx');
    await waitForStatus(stack, [documentId], 'failed');
    let events: typeof tracker.events = [];
    for (let i = 0; i < 50 && events.length === 0; i++) {
      expect(await flushErrorTracking(5000)).toBe(true);
      events = tracker.events.slice(before);
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(events).toHaveLength(1);
    expect(events[0].tags).toMatchObject({
      queue: 'ingestion',
      job_name: 'ingest',
      job_id: `${documentId}:v1`,
      document_id: documentId,
      attempts: '1',
    });
    expect(events[0].exception?.values?.[0]?.value).toBeDefined();
  });

  it('answers as usual while the tracker is down', async () => {
    await tracker.close();
    const documents = await stack.http.get('/api/v1/documents').set(bearer(user.token));
    expect(documents.status).toBe(200);
    await withDocumentsTableMissing(async () => {
      const failing = await stack.http.get('/api/v1/documents').set(bearer(user.token));
      expect(failing.status).toBe(500);
      expect(failing.body).toMatchObject({ code: 'internal_error' });
    });
    // the event that could not be sent is dropped, not retried forever: flushing ends
    await flushErrorTracking(5000);
    const again = await stack.http.get('/api/v1/documents').set(bearer(user.token));
    expect(again.status).toBe(200);
  });
});
