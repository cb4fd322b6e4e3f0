import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CORPUS_DIR } from './support/shared';
import { newIdentity, signUp } from './support/stack';
import {
  askAbout,
  isFocused,
  seriousViolations,
  signInInBrowser,
  signUpInBrowser,
  SLOW,
  startWebApp,
  styleOf,
  type WebApp,
  ZEN_PDF,
} from './support/web-app';

/** The focused element's test id, or its tag name when it has none. */
const focusedName = (page: Page) =>
  page.evaluate(
    `(() => { const el = document.activeElement; return el?.dataset?.testid ?? el?.tagName ?? ''; })()`,
  ) as Promise<string>;

/**
 * Issue 18: every page of the web client passes axe-core (`@axe-core/playwright`) with no serious
 * or critical violation, in Debian's Chromium against the real api, worker, PostgreSQL and Redis;
 * and the keyboard path works: Tab reaches the drop zone (a button that opens the file picker),
 * Escape closes the citation viewer, the share dialog and the notification panel and the focus goes
 * back to whatever opened them. Upload and ingestion progress are announced in a live region.
 */
describe('web client: accessibility on every page, keyboard and live regions', () => {
  let app: WebApp;
  let page: Page;
  const person = newIdentity('a11y');

  beforeAll(async () => {
    app = await startWebApp();
    ({ page } = await app.browser.newPage(app.origin));
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('the signed-out pages: sign-in, sign-up (with a field error), forgot and reset password', async () => {
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // the check sees a violation when there is one: a button without a name
    await page.evaluate(`document.querySelector('main').append(document.createElement('button'))`);
    expect((await seriousViolations(page)).join('\n')).toContain('critical button-name');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.goto('/sign-up');
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('.field-error').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto('/forgot-password');
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto('/reset-password?token=not-a-real-token');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }, 120_000);

  it('the documents page, empty', async () => {
    await signUpInBrowser(page, person);
    await page.getByText('No documents yet').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it('reaches the drop zone with Tab, opens the file picker with Enter, and announces the upload and its ingestion', async () => {
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    const dropzone = page.getByTestId('dropzone');
    // listening from here on: Playwright intercepts the file picker only once it is asked to, and
    // turning that on takes a round trip to the browser
    const chooser = page.waitForEvent('filechooser');
    // from the top of the page, Tab by Tab
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    let tabs = 0;
    while ((await focusedName(page)) !== 'dropzone' && tabs < 30) {
      await page.keyboard.press('Tab');
      tabs += 1;
    }
    expect(await isFocused(dropzone)).toBe(true);
    expect(await dropzone.getAttribute('type')).toBe('button');
    // the focus is visible: an outline drawn for keyboard focus
    expect(await styleOf(dropzone, 'outline-style')).not.toBe('none');

    // a polite live region says how the upload went, then how the ingestion went: every text it
    // takes is recorded (each replaces the one before, as a screen reader hears them)
    const announcer = page.getByTestId('upload-announcer');
    expect(await announcer.getAttribute('role')).toBe('status');
    expect(await announcer.getAttribute('aria-live')).toBe('polite');
    await page.evaluate(`(() => {
      const region = document.querySelector('[data-testid="upload-announcer"]');
      window.announced = [];
      new MutationObserver(() => window.announced.push(region.textContent)).observe(region, {
        childList: true, characterData: true, subtree: true,
      });
    })()`);

    await page.keyboard.press('Enter');
    await (await chooser).setFiles(join(CORPUS_DIR, ZEN_PDF));

    // (a function, not a string: the app's Content-Security-Policy forbids eval)
    await page.waitForFunction(
      (text) =>
        (globalThis as unknown as { announced: string[] }).announced.some((line) =>
          line.includes(text),
        ),
      `${ZEN_PDF} is ready`,
      { timeout: SLOW },
    );
    const announced = (await page.evaluate('window.announced')) as string[];
    const said = (text: string) => announced.findIndex((line) => line.includes(text));
    expect(said(`Uploading ${ZEN_PDF}`)).toBeGreaterThanOrEqual(0);
    expect(said(`${ZEN_PDF} uploaded`)).toBeGreaterThan(said(`Uploading ${ZEN_PDF}`));
    expect(said(`${ZEN_PDF} is ready`)).toBeGreaterThan(said(`Uploading ${ZEN_PDF}`));
    // the notification of the completed ingestion arrives in a polite live region too
    await page
      .locator('[aria-live="polite"]')
      .filter({ hasText: `“${ZEN_PDF}” is ready` })
      .first()
      .waitFor({ timeout: SLOW });
    expect(await seriousViolations(page)).toEqual([]);
  }, 240_000);

  it('the notification panel, closed by Escape with the focus back on the bell', async () => {
    const bell = page.getByRole('button', { name: /^Notifications/ });
    await bell.click();
    await page.getByRole('region', { name: 'Notification panel' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('region', { name: 'Notification panel' }).waitFor({ state: 'detached' });
    expect(await isFocused(bell)).toBe(true);
  }, 60_000);

  it('the share dialog, closed by Escape with the focus back on its button', async () => {
    const share = page.getByRole('button', { name: `Share ${ZEN_PDF}` });
    await share.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Share ${ZEN_PDF}` });
    await dialog.getByText('Not shared with anyone.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await isFocused(share)).toBe(true);

    // the delete confirmation too: Escape cancels it (the document stays)
    const remove = page.getByRole('button', { name: `Delete ${ZEN_PDF}` });
    await remove.focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: `Delete ${ZEN_PDF}?` });
    await confirm.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await isFocused(remove)).toBe(true);
    expect(await page.getByTestId('document-row').count()).toBe(1);
  }, 60_000);

  it('search results and the citation viewer, closed by Escape with the focus back on the hit', async () => {
    await page.getByLabel('Search inside documents').fill('readability');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = page.locator('.hits li').first().getByRole('button');
    await hit.waitFor({ timeout: SLOW });
    expect(await seriousViolations(page)).toEqual([]);

    await hit.focus();
    await page.keyboard.press('Enter');
    const viewer = page.getByRole('dialog', { name: ZEN_PDF });
    await viewer.locator('mark').waitFor({ timeout: SLOW });
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    expect(await isFocused(hit)).toBe(true);
  }, 120_000);

  it('the chat page, empty and with an answer', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Chat' })
      .click();
    await page.getByText('No conversations yet').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const newChat = page.getByRole('button', { name: 'New chat' });
    await newChat.click();
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByRole('checkbox', { name: ZEN_PDF }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await isFocused(newChat)).toBe(true);

    await askAbout(page, ZEN_PDF, 'Zen', 'Readability counts?');
    await page.locator('article[aria-label="Answer"] .chip').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }, 180_000);

  it('the notifications, preferences and sessions pages', async () => {
    await page.goto('/notifications');
    await page.getByText(`“${ZEN_PDF}” is ready`).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto('/settings/notifications');
    await page.getByRole('checkbox', { name: /finished processing: by e-mail/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto('/settings/sessions');
    await page.getByTestId('session-row').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it('every admin page', async () => {
    const admin = await signUp(app.stack, { role: 'admin', prefix: 'a11yadmin' });
    const { page: adminPage } = await app.browser.newPage(app.origin);
    await signInInBrowser(adminPage, admin);
    for (const [path, heading] of [
      ['/admin/users', 'Users'],
      ['/admin/roles', 'Roles and permissions'],
      ['/admin/audit', 'Audit log'],
      ['/admin/queues', 'Queues'],
      ['/admin/stats', 'Usage'],
    ]) {
      await adminPage.goto(path);
      await adminPage.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await adminPage
        .locator('[aria-busy="true"], .spinner')
        .first()
        .waitFor({ state: 'detached' });
      expect({ path, violations: await seriousViolations(adminPage) }).toEqual({
        path,
        violations: [],
      });
    }
  }, 120_000);
});
