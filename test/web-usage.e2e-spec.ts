import type { Page } from 'playwright-core';
import { UsageService } from '@docent/chat';
import {
  ensureWebBuild,
  freePort,
  launchBrowser,
  screenshot,
  type TestBrowser,
} from './support/browser';
import { type SignedUp, signUp, type Stack, startStack } from './support/stack';

const DAY_MS = 86_400_000;
const dayAgo = (days: number) => new Date(Date.now() - days * DAY_MS);
const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * The admin usage analytics in Debian's Chromium against the real api: the charts and figures of
 * GET /admin/usage on the Usage page, the window form (grouping, a refused window), and the
 * screenshot docs/screenshots/admin-usage.png. Three weeks of use are recorded for three people
 * through UsageService (the counters the endpoints write), so the lines have a shape.
 */
describe('web client: usage analytics', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let page: Page;
  let admin: SignedUp;
  const people: SignedUp[] = [];

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    stack = await startStack({ PUBLIC_APP_URL: origin, CORS_ORIGINS: origin });
    await stack.api.listen(port, '127.0.0.1');
    admin = await signUp(stack, { role: 'admin', prefix: 'usageadmin' });
    for (const prefix of ['ada', 'grace', 'linus']) people.push(await signUp(stack, { prefix }));
    const usage = stack.api.get(UsageService);
    for (let days = 20; days >= 1; days--) {
      const at = dayAgo(days);
      // ada asks every day, grace on weekdays of a rising trend, linus uploads now and then
      await usage.record(
        people[0].id,
        { questions: 3 + (days % 4), answerTokens: 180, searches: 2 },
        at,
      );
      if (days % 7 < 5) {
        await usage.record(people[1].id, { questions: 8 - Math.floor(days / 4), searches: 1 }, at);
      }
      if (days % 5 === 0) {
        await usage.record(people[2].id, { uploads: 3, bytesIngested: 2_400_000, signIns: 1 }, at);
      }
    }
    browser = await launchBrowser();
    ({ page } = await browser.newPage(origin));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows feature use and active people as charts, the most active people and DAU/WAU/MAU', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page
      .getByRole('navigation', { name: 'Administration' })
      .getByRole('link', { name: 'Usage' })
      .click();
    const activity = page.getByRole('region', { name: 'Activity' });
    const features = activity.getByRole('img', { name: /^Feature use per day\./ });
    await features.waitFor();
    // uPlot drew its canvas inside the chart, with a legend naming every line
    expect(await features.locator('canvas').count()).toBeGreaterThanOrEqual(1);
    for (const label of ['Questions', 'Searches', 'Uploads', 'Sign-ins']) {
      await features.locator('.u-legend').getByText(label, { exact: true }).waitFor();
    }
    await activity.getByRole('img', { name: /^Active people per day\./ }).waitFor();

    // all four signed up today (a sign-up counts as a sign-in); ada, grace and linus also used
    // Docent on earlier days, so the window holds four people and 20 of their days
    const card = (title: string) => activity.locator('.card').filter({ hasText: title });
    expect(await card('Active today').locator('.big').textContent()).toBe('4');
    expect(await card('Active this month').locator('.big').textContent()).toBe('4');
    const daily = activity.getByRole('img', { name: /^Active people per day\./ });
    // 4 today; before: ada on 20 days, grace on 14 (not when days % 7 ≥ 5), linus on 4
    const total = Number(
      /Active people: (\d+) in all/.exec((await daily.getAttribute('aria-label')) ?? '')?.[1],
    );
    expect(total).toBe(4 + 20 + 14 + 4);

    // the top users, most active first, by display name (never an e-mail)
    const top = activity.getByRole('table', { name: 'Most active people' });
    const names = await top.locator('tbody th').allTextContents();
    expect(names.slice(0, 3)).toEqual([
      people[0].displayName,
      people[1].displayName,
      people[2].displayName,
    ]);
    expect(await activity.textContent()).not.toContain(people[0].email);

    await screenshot(page, 'admin-usage');

    // the same figures as a table, for people who cannot see the canvas
    await activity.getByText('Feature use per day as a table').click();
    const rows = activity
      .getByRole('table')
      .filter({ hasText: 'Period' })
      .first()
      .locator('tbody tr');
    expect(await rows.count()).toBe(30);
  }, 120_000);

  it('groups by week, and shows a refused window next to its field', async () => {
    const activity = page.getByRole('region', { name: 'Activity' });
    await activity.getByLabel('Group by').selectOption('week');
    await activity.getByRole('button', { name: 'Show' }).click();
    await activity.getByRole('img', { name: /^Feature use per week\./ }).waitFor();

    const to = dayOf(new Date());
    await activity.getByLabel('From').fill(dayOf(new Date(Date.now() + 3 * DAY_MS)));
    await activity.getByLabel('To').fill(to);
    await activity.getByRole('button', { name: 'Show' }).click();
    await activity.getByText('from must not be later than to').waitFor();
  }, 60_000);
});
