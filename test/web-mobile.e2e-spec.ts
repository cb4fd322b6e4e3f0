import type { BrowserContext, Page } from 'playwright-core';
import { screenshot } from './support/browser';
import { newIdentity, signUp } from './support/stack';
import {
  isFocused,
  overflowing,
  pageWidth,
  signUpInBrowser,
  SLOW,
  startWebApp,
  styleOf,
  uploadAndWait,
  type WebApp,
  ZEN_PDF,
  seriousViolations,
} from './support/web-app';

const WIDTH = 390;

/**
 * Issue 18: the web client on a phone held upright (390 × 844): nothing scrolls sideways on any
 * page, the navigation folds behind a menu button, the documents and users tables become lists,
 * and the main flow works: sign up, upload, wait for the ingestion, ask, read an answer with a
 * citation.
 */
describe('web client at 390 px wide', () => {
  let app: WebApp;
  let context: BrowserContext;
  let page: Page;
  const person = newIdentity('mobile');

  const phone = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const created = await app.browser.browser.newContext({
      baseURL: app.origin,
      viewport: { width: WIDTH, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    created.setDefaultTimeout(30_000);
    return { context: created, page: await created.newPage() };
  };

  /** The page is no wider than the screen (it never scrolls sideways). */
  const fits = async (target: Page = page) => {
    const width = await pageWidth(target);
    const culprits = width > WIDTH ? await overflowing(target, WIDTH) : [];
    expect({ url: target.url(), width, culprits }).toEqual({
      url: target.url(),
      width: WIDTH,
      culprits: [],
    });
  };

  beforeAll(async () => {
    app = await startWebApp();
    ({ context, page } = await phone());
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await app?.close();
  });

  it('signs up on a page that fits the screen', async () => {
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await fits();
    await page.goto('/sign-up');
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await fits();
    await signUpInBrowser(page, person);
    await page.getByText('No documents yet').waitFor();
    await fits();
  }, 60_000);

  it('folds the navigation behind a menu button that Escape closes', async () => {
    const menu = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await nav.isVisible()).toBe(false);

    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await nav.waitFor();
    await fits();
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'hidden' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await isFocused(menu)).toBe(true);

    // following a link closes it too
    await menu.click();
    await nav.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    await fits();
  }, 60_000);

  it('uploads a document and shows the list as cards', async () => {
    await page.getByRole('button', { name: 'Menu' }).click();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Documents' })
      .click();
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    await uploadAndWait(page, ZEN_PDF);
    const row = page.getByTestId('document-row').first();
    // a card, not a table row: its cells stack
    expect(await styleOf(row, 'display')).toBe('block');
    const box = await row.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    await page.getByRole('button', { name: `Delete ${ZEN_PDF}` }).waitFor();
    await fits();
    await page.locator('[data-testid="upload-row"]').first().waitFor();
    await screenshot(page, 'mobile');
  }, 180_000);

  it('asks a question with a reachable Ask button and opens the citation', async () => {
    await page.getByRole('button', { name: 'Menu' }).click();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Chat' })
      .click();
    await page.getByText('No conversations yet').waitFor();
    await fits();

    // the Ask button is on screen, inside the viewport, and works with a tap
    await page.getByRole('button', { name: 'New chat' }).click();
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByLabel('Title (optional)').fill('On the phone');
    await dialog.getByRole('checkbox', { name: ZEN_PDF }).check();
    await dialog.getByRole('button', { name: 'Start chat' }).click();
    await page.getByRole('heading', { name: 'On the phone' }).waitFor();
    await fits();
    await page.getByLabel('Your question').fill('Readability counts?');
    const ask = page.getByRole('button', { name: 'Ask', exact: true });
    await ask.scrollIntoViewIfNeeded();
    const box = await ask.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    await ask.tap();

    const answer = page.locator('article[aria-label="Answer"]:not([data-streaming])').last();
    await answer.waitFor({ timeout: SLOW });
    const chip = answer.locator('.chip').first();
    expect(await chip.textContent()).toMatch(new RegExp(`${ZEN_PDF.replace('.', '\\.')}, p\\. 1`));
    await fits();
    await screenshot(page, 'mobile-chat');

    await chip.tap();
    const viewer = page.getByRole('dialog', { name: ZEN_PDF });
    await viewer.locator('mark').waitFor({ timeout: SLOW });
    const panel = await viewer.boundingBox();
    expect(panel!.width).toBeLessThanOrEqual(WIDTH);
    await viewer.getByRole('button', { name: 'Close' }).tap();
    await viewer.waitFor({ state: 'hidden' });
  }, 180_000);

  it('fits every other page: search, notifications, preferences, sessions', async () => {
    await page.goto('/documents');
    await page.getByLabel('Search inside documents').fill('readability');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.hits li').first().waitFor({ timeout: SLOW });
    await fits();
    for (const [path, heading] of [
      ['/notifications', 'Notifications'],
      ['/settings/notifications', 'Notification preferences'],
      ['/settings/sessions', 'Account'],
    ]) {
      await page.goto(path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('[aria-busy="true"], .spinner').first().waitFor({ state: 'detached' });
      await fits();
    }
    // the bell's panel fits too
    await page.getByRole('button', { name: /^Notifications/ }).click();
    const panel = page.getByRole('region', { name: 'Notification panel' });
    await panel.waitFor();
    const box = await panel.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    await fits();
  }, 120_000);

  it('fits every admin page, the users table as cards', async () => {
    const admin = await signUp(app.stack, { role: 'admin', prefix: 'mobileadmin' });
    const { context: adminContext, page: adminPage } = await phone();
    try {
      await adminPage.goto('/sign-in');
      await adminPage.getByLabel('E-mail').fill(admin.email);
      await adminPage.getByLabel('Password').fill(admin.password);
      await adminPage.getByRole('button', { name: 'Sign in' }).click();
      await adminPage.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
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
        if (path === '/admin/users') {
          const row = adminPage.getByTestId('admin-user-row').first();
          expect(await styleOf(row, 'display')).toBe('block');
        }
        await fits(adminPage);
        // at this width the wide tables scroll inside their box: keyboard users can scroll it
        expect({ path, violations: await seriousViolations(adminPage) }).toEqual({
          path,
          violations: [],
        });
      }
    } finally {
      await adminContext.close();
    }
  }, 120_000);
});
