import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Page, Request, Route } from 'playwright-core';
import { ensureWebBuild, freePort, launchBrowser, type TestBrowser } from './support/browser';
import { ownerDatabaseUrl } from './support/config';
import { waitFor } from './support/http';
import { bearer, type SignedUp, signUp, type Stack, startStack } from './support/stack';

/** A promise and the function that settles it: the test decides when a held request goes on. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const UPLOAD = '**/api/v1/documents';
const isUpload = (request: Request) =>
  request.method() === 'POST' && new URL(request.url()).pathname === '/api/v1/documents';

/**
 * Issue 18: cancelling uploads in the web client (Debian Chromium, real api, PostgreSQL, Redis).
 * No worker runs, so an accepted document stays `queued` for as long as the test needs. Whatever
 * the moment of the cancel, the person ends up with no such document, and sees "Cancelled",
 * never an error.
 */
describe('web client: cancelling uploads', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let origin: string;
  let page: Page;
  let person: SignedUp;

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    stack = await startStack({
      PUBLIC_APP_URL: origin,
      CORS_ORIGINS: origin,
      RATE_LIMIT_UPLOAD: '1000/1m',
    });
    await stack.api.listen(port, '127.0.0.1');
    person = await signUp(stack, { prefix: 'cancel' });
    browser = await launchBrowser();
    ({ page } = await browser.newPage(origin));
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  afterEach(async () => {
    await page.unroute(UPLOAD);
  });

  /** The person's documents as the api lists them (their own token, not the page). */
  async function filenames(): Promise<string[]> {
    const res = await stack.http.get('/api/v1/documents').set(bearer(person.token)).expect(200);
    return (res.body as { items: { filename: string }[] }).items.map((doc) => doc.filename);
  }

  const textFile = (name: string) => ({
    name,
    mimeType: 'text/plain',
    buffer: Buffer.from(`Notes for ${name}: ${randomBytes(12).toString('hex')}\n`.repeat(200)),
  });

  const uploadRow = (name: string) =>
    page.getByTestId('upload-row').filter({ hasText: name }).first();

  /** No error toast, and no error under any upload row. */
  async function expectNoErrors(): Promise<void> {
    expect(await page.locator('.toast-error').count()).toBe(0);
    expect(await page.locator('[data-testid="upload-row"][data-state="failed"]').count()).toBe(0);
  }

  it('aborts an upload still being sent: the api never gets the file, the row says Cancelled', async () => {
    const name = `midway-${randomBytes(3).toString('hex')}.txt`;
    // the request is held before it reaches the api, i.e. mid-way for the page
    const held = gate();
    let reachedApi = false;
    await page.route(UPLOAD, async (route: Route) => {
      if (!isUpload(route.request())) return route.fallback();
      await held.opened;
      // the page aborted it meanwhile: continuing a cancelled request fails, as it should
      await route.continue().then(
        () => {
          reachedApi = true;
        },
        () => undefined,
      );
    });
    const failed = page.waitForEvent('requestfailed', isUpload);
    await page.locator('#file-picker').setInputFiles(textFile(name));
    const row = uploadRow(name);
    await row.getByRole('button', { name: `Cancel upload of ${name}` }).click();
    await row.getByText('Cancelled', { exact: true }).waitFor();
    // the XHR was aborted in the browser
    expect((await failed).failure()?.errorText).toMatch(/abort/i);
    held.open();

    expect(reachedApi).toBe(false);
    expect(await row.getAttribute('data-state')).toBe('cancelled');
    expect(await row.getByRole('button', { name: /^Cancel upload/ }).count()).toBe(0);
    expect(await filenames()).not.toContain(name);
    await expectNoErrors();
    // after a reload the list does not have it either
    await page.reload();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    await page.locator('.spinner').waitFor({ state: 'detached' });
    expect(await page.getByTestId('document-row').filter({ hasText: name }).count()).toBe(0);
  }, 120_000);

  it('cancels only the chosen file of a batch; the others are sent again and kept', async () => {
    const cancelled = `batch-drop-${randomBytes(3).toString('hex')}.txt`;
    const kept = `batch-keep-${randomBytes(3).toString('hex')}.txt`;
    const held = gate();
    const sent: string[][] = [];
    await page.route(UPLOAD, async (route: Route) => {
      if (!isUpload(route.request())) return route.fallback();
      const body = route.request().postDataBuffer()?.toString('latin1') ?? '';
      sent.push([cancelled, kept].filter((name) => body.includes(`filename="${name}"`)));
      // only the first request (both files) is held; the one sent again goes straight through
      if (sent.length === 1) await held.opened;
      await route.continue().catch(() => undefined);
    });
    await page.locator('#file-picker').setInputFiles([textFile(cancelled), textFile(kept)]);
    await uploadRow(cancelled)
      .getByRole('button', { name: `Cancel upload of ${cancelled}` })
      .click();
    await uploadRow(cancelled).getByText('Cancelled', { exact: true }).waitFor();
    await uploadRow(kept).getByText('Uploaded').waitFor();
    held.open();

    expect(sent).toEqual([[cancelled, kept], [kept]]);
    const names = await filenames();
    expect(names).toContain(kept);
    expect(names).not.toContain(cancelled);
    await page.getByTestId('document-row').filter({ hasText: kept }).waitFor();
    await expectNoErrors();
  }, 120_000);

  it('waits for the answer when the whole file is at the api, then deletes the document it became', async () => {
    const name = `decided-${randomBytes(3).toString('hex')}.txt`;
    // the api commits an upload under a lock on the uploader's row (the quota): holding it keeps
    // the request waiting after the whole body has arrived, with the answer still to come
    const db = new Client({ connectionString: ownerDatabaseUrl() });
    await db.connect();
    try {
      await db.query('begin');
      await db.query('select 1 from users where id = $1 for no key update', [person.id]);
      await page.locator('#file-picker').setInputFiles(textFile(name));
      const row = uploadRow(name);
      await waitFor(async () => {
        const waiting = await db.query(
          // the api's connection waits for this one: the upload's request is at the commit
          'select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))',
        );
        return (waiting.rows[0] as { n: number }).n > 0;
      }, 30_000);
      // and the browser has reported the body sent (its last upload progress event: the bar of
      // a file being sent stops at 99 until the answer), which it does some time after sending
      await waitFor(
        async () => (await row.getByRole('progressbar').getAttribute('value')) === '99',
        30_000,
      );
      await row.getByRole('button', { name: `Cancel upload of ${name}` }).click();
      // the body was sent whole: the page does not abort, it waits for the api's decision
      await row.getByText('Cancelling…', { exact: true }).waitFor();
      await db.query('commit');

      await row.getByText('Cancelled', { exact: true }).waitFor();
    } finally {
      await db.query('rollback').catch(() => undefined);
      await db.end();
    }
    expect(await filenames()).not.toContain(name);
    expect(await page.getByTestId('document-row').filter({ hasText: name }).count()).toBe(0);
    await expectNoErrors();
  }, 120_000);

  it('leaves no document when the cancel comes while the api decides, whatever the browser knows', async () => {
    const name = `racing-${randomBytes(3).toString('hex')}.txt`;
    // as above, but Cancel is clicked as soon as the api holds the whole body: the browser may not
    // have reported it sent yet (then it aborts, and the api, seeing its client leave before the
    // answer, deletes what it committed), or it has (then the page waits and deletes)
    const db = new Client({ connectionString: ownerDatabaseUrl() });
    await db.connect();
    try {
      await db.query('begin');
      await db.query('select 1 from users where id = $1 for no key update', [person.id]);
      await page.locator('#file-picker').setInputFiles(textFile(name));
      await waitFor(async () => {
        const waiting = await db.query(
          'select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))',
        );
        return (waiting.rows[0] as { n: number }).n > 0;
      }, 30_000);
      await uploadRow(name)
        .getByRole('button', { name: `Cancel upload of ${name}` })
        .click();
      await db.query('commit');
    } finally {
      await db.query('rollback').catch(() => undefined);
      await db.end();
    }
    await uploadRow(name).getByText('Cancelled', { exact: true }).waitFor();
    await waitFor(async () => !(await filenames()).includes(name), 30_000);
    expect(await page.getByTestId('document-row').filter({ hasText: name }).count()).toBe(0);
    await expectNoErrors();
  }, 120_000);

  it('deletes a queued document from its upload row, and the documents list drops it', async () => {
    const name = `queued-${randomBytes(3).toString('hex')}.txt`;
    await page.locator('#file-picker').setInputFiles(textFile(name));
    const row = uploadRow(name);
    await row.getByText('Uploaded').waitFor();
    const listed = page.getByTestId('document-row').filter({ hasText: name });
    await listed.waitFor();
    expect(await listed.getAttribute('data-status')).toBe('queued');
    expect(await filenames()).toContain(name);

    await row.getByRole('button', { name: `Cancel upload of ${name}` }).click();
    await row.getByText('Cancelled', { exact: true }).waitFor();
    await listed.waitFor({ state: 'detached' });
    expect(await filenames()).not.toContain(name);
    await expectNoErrors();
  }, 120_000);
});
