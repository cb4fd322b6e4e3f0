import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import {
  ensureWebBuild,
  freePort,
  launchBrowser,
  screenshot,
  type TestBrowser,
} from './support/browser';
import { newIdentity, signUp, type Stack, startStack } from './support/stack';
import { CORPUS_DIR as CORPUS } from './support/shared';

const GOOD = 'google-doc-document.pdf';
const ENCRYPTED = 'libreoffice-writer-password.pdf';
/** The machine running the suite may be slow: ingestion and the socket get generous waits. */
const SLOW = 90_000;

/** Runs in the page: builds a DataTransfer of the files and drops it on the drop zone. */
const DROP_FILES = `(files) => {
  const transfer = new DataTransfer();
  for (const file of files) {
    const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], file.name, { type: file.type }));
  }
  const zone = document.querySelector('[data-testid="dropzone"]');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
}`;

/**
 * The web client in Debian's Chromium (playwright-core) against the real api (serving the built
 * SPA), worker, PostgreSQL, Redis and the in-process SMTP sink. The steps share one person and
 * run in order; each takes screenshots of the pages it visits into docs/screenshots/.
 */
describe('web client in a real browser', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let origin: string;
  let page: Page;
  const person = newIdentity('web');

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    stack = await startStack(
      {
        PUBLIC_APP_URL: origin,
        CORS_ORIGINS: origin,
        RATE_LIMIT_UPLOAD: '1000/1m',
        RATE_LIMIT_CHAT: '1000/1m',
      },
      { worker: true },
    );
    await stack.api.listen(port, '127.0.0.1');
    browser = await launchBrowser();
    ({ page } = await browser.newPage(origin));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Drops files on the drop zone the way a browser does: a `drop` event carrying a DataTransfer. */
  async function dropFiles(names: string[]): Promise<void> {
    const files = await Promise.all(
      names.map(async (name) => ({
        name,
        type: 'application/pdf',
        base64: (await readFile(join(CORPUS, name))).toString('base64'),
      })),
    );
    // the page's script, as a string: this file is type-checked without the DOM library
    await page.evaluate(`(${DROP_FILES})(${JSON.stringify(files)})`);
  }

  /** Whether the element has the page's focus. */
  const isFocused = (locator: Locator) =>
    locator.evaluate(
      (el) =>
        el ===
        (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument
          .activeElement,
    );

  const documentRow = (filename: string, status?: string) =>
    page
      .locator(`[data-testid="document-row"]${status ? `[data-status="${status}"]` : ''}`)
      .filter({ hasText: filename });

  it('signs up, with field errors from problem details shown next to their field', async () => {
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('Name').fill(person.displayName);
    await page.getByLabel('E-mail').fill(person.email);
    // too short for the password policy: the API's message lands under the password field
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const passwordError = page.locator('.field-error');
    await passwordError.waitFor();
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    expect((await passwordError.textContent())?.length).toBeGreaterThan(0);
    await screenshot(page, 'sign-up-field-error');

    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/documents');
    await page.getByText('No documents yet').waitFor();
  }, 120_000);

  it('keeps the refresh token in an httpOnly cookie, never in page storage, and survives a reload', async () => {
    const cookies = await page.context().cookies();
    const refresh = cookies.find((cookie) => cookie.name === 'docent_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    const stored = await page.evaluate('JSON.stringify({ ...localStorage, ...sessionStorage })');
    expect(stored).toBe('{}');
    // the access token lived in memory only: a reload renews it through the cookie
    await page.reload();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/documents');
  }, 60_000);

  it('uploads two dropped PDFs with progress bars; live ingestion: one completes, one fails with its reason', async () => {
    // live updates come over the socket: wait for it, so no progress event is missed
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    const toast = page.locator('.toast').filter({ hasText: GOOD }).first();
    const toastSeen = toast.waitFor({ timeout: SLOW }).then(() => toast.textContent());

    await dropFiles([GOOD, ENCRYPTED]);

    // both upload bars finish: 100% and "Uploaded" (both are accepted; the encryption is found
    // by the worker)
    for (const name of [GOOD, ENCRYPTED]) {
      const row = page.locator('[data-testid="upload-row"]').filter({ hasText: name });
      await row.filter({ hasText: 'Uploaded' }).waitFor({ timeout: SLOW });
      expect(await row.getByRole('progressbar').getAttribute('value')).toBe('100');
    }

    // the good one reaches 100% and "completed" without a reload (socket + final fetch)
    const good = documentRow(GOOD, 'completed');
    await good.waitFor({ timeout: SLOW });
    expect(await good.getByRole('progressbar').getAttribute('value')).toBe('100');
    expect(await good.textContent()).toContain('100%');

    // the encrypted one fails with the API's reason and offers a retry
    const bad = documentRow(ENCRYPTED, 'failed');
    await bad.waitFor({ timeout: SLOW });
    expect(await bad.locator('.doc-error').textContent()).toMatch(/password-protected/i);
    await bad.getByRole('button', { name: 'Retry' }).waitFor();

    // the completion notification: a toast and the bell's unread badge
    expect(await toastSeen).toContain('is ready');
    const badge = page.getByTestId('unread-badge');
    await badge.waitFor({ timeout: SLOW });
    expect(Number(await badge.textContent())).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'documents');

    await page.getByRole('button', { name: /^Notifications/ }).click();
    await page.getByRole('region', { name: 'Notification panel' }).waitFor();
    await page
      .getByRole('region', { name: 'Notification panel' })
      .getByText(`“${GOOD}” is ready`)
      .waitFor();
    await screenshot(page, 'notification-panel');
    await page.keyboard.press('Escape');
  }, 240_000);

  it('rejects a duplicate upload with the API reason, per file', async () => {
    await page.locator('#file-picker').setInputFiles(join(CORPUS, GOOD));
    const row = page
      .locator('[data-testid="upload-row"]')
      .filter({ hasText: GOOD })
      .filter({ hasText: 'Rejected' });
    await row.waitFor({ timeout: SLOW }).catch(async (error: Error) => {
      const rows = await page.locator('[data-testid="upload-row"]').allTextContents();
      const logs = stack.logs.filter((line) => line.includes('/documents')).slice(-5);
      throw new Error(`${error.message}\nupload rows: ${rows.join(' | ')}\nlogs: ${logs.join('')}`);
    });
    expect(await row.textContent()).toMatch(/Rejected: .+/);
  }, 120_000);

  it('searches inside the documents, with the matches marked', async () => {
    await page.getByLabel('Search inside documents').fill('readability');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = page.locator('.hits li').filter({ hasText: GOOD }).first();
    await hit.waitFor({ timeout: SLOW });
    expect((await hit.locator('mark').allTextContents()).join(' ')).toMatch(/readability/i);
  }, 60_000);

  it('opens a search hit in the citation viewer; the file is only downloaded, never a page of the app (an uploaded HTML page)', async () => {
    const marker = `zebracorn${Date.now().toString(36)}`;
    const html =
      '<!doctype html><html><head><meta http-equiv="refresh" content="0;url=/sign-in?owned=1">' +
      `</head><body><p>The ${marker} page.</p>` +
      "<script>localStorage.setItem('owned', '1')</script></body></html>";
    await page.locator('#file-picker').setInputFiles({
      name: 'hostile.html',
      mimeType: 'text/html',
      buffer: Buffer.from(html),
    });
    await documentRow('hostile.html', 'completed').waitFor({ timeout: SLOW });
    await page.getByLabel('Search inside documents').fill(marker);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = page.locator('.hits li').filter({ hasText: 'hostile.html' }).first();
    await hit.waitFor({ timeout: SLOW });

    const popups: Page[] = [];
    page.on('popup', (popup) => popups.push(popup));
    const at = page.url();
    const opener = hit.getByRole('button', { name: 'hostile.html' });
    await opener.click();

    // the hit opens the viewer: the extracted text (never the page itself), the passage marked
    const viewer = page.getByRole('dialog', { name: 'hostile.html' });
    await viewer.waitFor();
    const close = viewer.getByRole('button', { name: 'Close' });
    expect(await isFocused(close)).toBe(true);
    await viewer.locator('mark').waitFor({ timeout: SLOW });
    expect(await viewer.locator('mark').textContent()).toContain(`The ${marker} page.`);
    // one short passage (a text document is extracted as one page): nothing to move to either way
    expect(await viewer.getByText('Passage 1 of 1').count()).toBe(1);
    expect(await viewer.getByText('Page 1', { exact: true }).count()).toBe(1);
    expect(await viewer.getByRole('button', { name: 'Previous passage' }).isDisabled()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Next passage' }).isDisabled()).toBe(true);

    // the viewer's Download saves the original bytes, from a blob the page could not render
    const downloaded = page.waitForEvent('download');
    await viewer.getByRole('button', { name: 'Download' }).click();
    const download = await downloaded;
    expect(download.suggestedFilename()).toBe('hostile.html');
    expect((await readFile(await download.path())).toString()).toBe(html);
    // nothing was opened or navigated: no new tab, same page, the script never ran here
    expect(popups).toEqual([]);
    expect(page.context().pages()).toEqual([page]);
    expect(page.url()).toBe(at);
    expect(await page.evaluate("localStorage.getItem('owned')")).toBeNull();

    // the visible Close button closes it and gives the focus back to the hit
    await close.click();
    await viewer.waitFor({ state: 'hidden' });
    expect(await isFocused(opener)).toBe(true);
  }, 120_000);

  it('streams an answer over SSE with a citation chip that opens the cited passage in the viewer', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Chat' })
      .click();
    await page.getByRole('button', { name: 'New chat' }).click();
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByLabel('Title (optional)').fill('Zen questions');
    await dialog.getByRole('checkbox', { name: GOOD }).check();
    await dialog.getByRole('button', { name: 'Start chat' }).click();
    await page.getByRole('heading', { name: 'Zen questions' }).waitFor();

    await page.getByLabel('Your question').fill('Readability counts?');
    const streamed = page.waitForResponse(
      (response) => response.url().includes('/messages') && response.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Ask' }).click();
    const response = await streamed;
    expect(response.headers()['content-type']).toContain('text/event-stream');
    expect(response.request().headers()['accept']).toBe('text/event-stream');

    const answer = page.locator('article[aria-label="Answer"]:not([data-streaming])').last();
    await answer.waitFor({ timeout: SLOW });
    expect(await answer.locator('.message-content').textContent()).toContain('Readability counts');
    const chip = answer.getByRole('button', { name: new RegExp(GOOD.replace('.', '\\.')) });
    await chip.first().waitFor();
    expect(await chip.first().textContent()).toMatch(/google-doc-document\.pdf, p\. \d+/);
    await screenshot(page, 'chat');

    // a citation opens the viewer: the cited passage marked in the document's extracted text
    const snippet = (await chip.first().getAttribute('title')) ?? '';
    await chip.first().click();
    const viewer = page.getByRole('dialog', { name: GOOD });
    await viewer.waitFor();
    expect(await isFocused(viewer.getByRole('button', { name: 'Close' }))).toBe(true);
    const marked = viewer.locator('mark');
    await marked.waitFor({ timeout: SLOW });
    const cited = (await marked.textContent()) ?? '';
    expect(cited).toContain('Readability counts.');
    expect(cited.replace(/\s+/g, ' ')).toContain(snippet.replace(/…$/, ''));
    expect(await viewer.getByText('Page 1', { exact: true }).count()).toBe(1);
    // the document is one passage: nothing to move to either way
    expect(await viewer.getByText('Passage 1 of 1').count()).toBe(1);
    expect(await viewer.getByRole('button', { name: 'Previous passage' }).isDisabled()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Next passage' }).isDisabled()).toBe(true);

    // Download is the file, saved; it never opens in a tab of the app's origin
    const downloaded = page.waitForEvent('download');
    await viewer.getByRole('button', { name: 'Download' }).click();
    expect((await downloaded).suggestedFilename()).toBe(GOOD);
    expect(page.context().pages()).toEqual([page]);

    // Escape closes the viewer and the focus goes back to the chip
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    expect(await isFocused(chip.first())).toBe(true);
  }, 180_000);

  it('moves through a longer PDF by one passage from a citation in the viewer', async () => {
    const LONG = 'pdflatex-4-pages.pdf';
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Documents' })
      .click();
    await page.locator('#file-picker').setInputFiles(join(CORPUS, LONG));
    await documentRow(LONG, 'completed').waitFor({ timeout: SLOW });
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Chat' })
      .click();
    await page.getByRole('button', { name: 'New chat' }).click();
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByLabel('Title (optional)').fill('Blind text');
    await dialog.getByRole('checkbox', { name: LONG }).check();
    await dialog.getByRole('button', { name: 'Start chat' }).click();
    await page.getByRole('heading', { name: 'Blind text' }).waitFor();
    await page
      .getByLabel('Your question')
      .fill('Is there a difference between this text and nonsense?');
    await page.getByRole('button', { name: 'Ask' }).click();

    const answer = page.locator('article[aria-label="Answer"]:not([data-streaming])').last();
    await answer.waitFor({ timeout: SLOW });
    const chip = answer.getByRole('button', { name: new RegExp(LONG.replace('.', '\\.')) }).first();
    await chip.waitFor();
    const chipPage = /, p\. (\d+)$/.exec((await chip.textContent()) ?? '')?.[1];
    expect(chipPage).toBeDefined();
    await chip.click();

    const viewer = page.getByRole('dialog', { name: LONG });
    const marked = viewer.locator('mark');
    await marked.waitFor({ timeout: SLOW });
    const cited = (await marked.textContent()) ?? '';
    // the page of the citation, and where the passage sits among the document's chunks
    const pageLabel = viewer.getByText(/^Page \d+$/);
    expect(await pageLabel.textContent()).toBe(`Page ${chipPage}`);
    const position = viewer.getByText(/^Passage \d+ of \d+$/);
    const [, at, of] = /^Passage (\d+) of (\d+)$/.exec((await position.textContent()) ?? '') ?? [];
    expect(Number(of)).toBeGreaterThan(1);
    // the chunks either side are shown unmarked as context
    expect(await viewer.locator('.passage-context').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'citation-viewer');

    // one way (on unless the citation is the last chunk), then back: the marked chunk follows
    const forward = Number(at) < Number(of);
    const next = viewer.getByRole('button', { name: 'Next passage' });
    const previous = viewer.getByRole('button', { name: 'Previous passage' });
    await (forward ? next : previous).click();
    await viewer.getByText(`Passage ${Number(at) + (forward ? 1 : -1)} of ${of}`).waitFor();
    const moved = (await marked.textContent()) ?? '';
    expect(moved).not.toBe(cited);
    expect(await pageLabel.textContent()).toMatch(/^Page \d+$/);
    await (forward ? previous : next).click();
    await viewer.getByText(`Passage ${at} of ${of}`).waitFor();
    expect(await marked.textContent()).toBe(cited);
    expect(await pageLabel.textContent()).toBe(`Page ${chipPage}`);

    // Escape closes it; the focus is back on the chip
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    expect(await isFocused(chip)).toBe(true);
  }, 240_000);

  it('shows the preferences and session pages', async () => {
    await page.goto('/settings/notifications');
    await page.getByRole('checkbox', { name: /finished processing: by e-mail/ }).waitFor();
    await screenshot(page, 'notification-preferences');
    await page.goto('/settings/sessions');
    await page.getByTestId('session-row').first().waitFor();
    expect(await page.locator('.badge', { hasText: 'this device' }).count()).toBe(1);
    await screenshot(page, 'sessions');
  }, 60_000);

  it('resets the password through the mailed link', async () => {
    await page.getByRole('button', { name: 'Sign out this device' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // the cookie went with the session
    expect((await page.context().cookies()).some((c) => c.name === 'docent_refresh')).toBe(false);

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText(/we sent it a link/).waitFor();
    await screenshot(page, 'forgot-password');

    const mail = await stack.smtp.waitFor(
      (m) => m.to.includes(person.email) && /reset/i.test(m.subject),
      SLOW,
    );
    const link = /https?:\/\/\S+\/reset-password\?token=[^\s"<>]+/.exec(mail.text)?.[0];
    expect(link?.startsWith(`${origin}/reset-password?token=`)).toBe(true);

    await page.goto(link!);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    const newPassword = `${person.password} renewed`;
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat new password').fill(newPassword);
    await screenshot(page, 'reset-password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password was changed').waitFor();

    // the old password no longer works, the new one does
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /.+/ }).first().waitFor();
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    person.password = newPassword;
  }, 180_000);

  it('lets an admin disable the person, whose open session ends at once', async () => {
    const admin = await signUp(stack, { role: 'admin', prefix: 'webadmin' });
    const { page: adminPage } = await browser.newPage(origin);
    await adminPage.goto('/sign-in');
    await adminPage.getByLabel('E-mail').fill(admin.email);
    await adminPage.getByLabel('Password').fill(admin.password);
    await adminPage.getByRole('button', { name: 'Sign in' }).click();
    await adminPage.getByRole('link', { name: 'Admin', exact: true }).click();
    await adminPage.getByRole('heading', { name: 'Users' }).waitFor();

    await adminPage.getByLabel('Search users').fill(person.email);
    await adminPage.getByRole('button', { name: 'Search' }).click();
    const row = adminPage.getByTestId('admin-user-row').filter({ hasText: person.email });
    await row.waitFor();
    // the unfiltered list (newest first) may show the person's row too: wait for the search
    await adminPage.getByTestId('admin-user-row').nth(1).waitFor({ state: 'detached' });
    expect(await adminPage.getByTestId('admin-user-row').count()).toBe(1);
    await screenshot(adminPage, 'admin-users');

    // the person is signed in and connected, and shares a document with the admin, who is told
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    await adminPage.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    await page.getByRole('button', { name: `Share ${GOOD}` }).click();
    const share = page.getByRole('dialog', { name: `Share ${GOOD}` });
    await share.getByLabel('E-mail of the person').fill(admin.email);
    await share.getByRole('button', { name: 'Share', exact: true }).click();
    await share.getByRole('button', { name: `Stop sharing with ${admin.email}` }).waitFor();
    await screenshot(page, 'share-dialog');
    await share.getByRole('button', { name: 'Close' }).click();
    await adminPage.locator('.toast').filter({ hasText: GOOD }).first().waitFor({ timeout: SLOW });
    expect(
      Number(await adminPage.getByTestId('unread-badge').textContent()),
    ).toBeGreaterThanOrEqual(1);

    await row.getByRole('button', { name: `Disable ${person.email}` }).click();
    await adminPage
      .getByRole('dialog', { name: `Disable ${person.email}?` })
      .getByRole('button', { name: 'Disable' })
      .click();
    await row.getByText('disabled').waitFor();

    // the person's page learns it over the socket and lands on sign-in, without any action
    await page.getByText('Your session has ended').waitFor({ timeout: SLOW });
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    for (const [link, heading, path, name] of [
      ['Roles', 'Roles and permissions', '/admin/roles', 'admin-roles'],
      ['Audit log', 'Audit log', '/admin/audit', 'admin-audit'],
      ['Queues', 'Queues', '/admin/queues', 'admin-queues'],
      ['Usage', 'Usage', '/admin/stats', 'admin-stats'],
    ]) {
      await adminPage
        .getByRole('navigation', { name: 'Administration' })
        .getByRole('link', { name: link })
        .click();
      await adminPage.getByRole('heading', { name: heading }).waitFor();
      // every loading indicator of the page gone (the Usage page loads two things)
      await adminPage.waitForFunction(
        () =>
          (
            globalThis as unknown as { document: { querySelector(s: string): unknown } }
          ).document.querySelector('.spinner, [aria-busy="true"]') === null,
      );
      expect(new URL(adminPage.url()).pathname).toBe(path);
      expect(await adminPage.getByRole('alert').count()).toBe(0);
      await screenshot(adminPage, name);
    }
  }, 180_000);
});
