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
/** The last day of the recorded use: in a year no other test writes usage for. */
const LAST_DAY = '2003-03-21';
const FIRST_DAY = '2003-03-01';
const daysBefore = (days: number) => new Date(Date.parse(`${LAST_DAY}T12:00:00Z`) - days * DAY_MS);

/**
 * The admin usage analytics in Debian's Chromium against the real api: the charts and figures of
 * GET /admin/usage on the Usage page, the window form (a past window, the grouping, a refused
 * window), and the screenshot docs/screenshots/admin-usage.png. Three weeks of use of three people
 * are recorded through UsageService (the counters the endpoints write) in March 2003, so other
 * test files running beside this one cannot change the figures.
 */
describe('web client: usage analytics', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let page: Page;
  let admin: SignedUp;
  const people: SignedUp[] = [];
  /** Σ over the window's days of the people active that day, as recorded below. */
  let activeDays = 0;

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    stack = await startStack({ PUBLIC_APP_URL: origin, CORS_ORIGINS: origin });
    await stack.api.listen(port, '127.0.0.1');
    admin = await signUp(stack, { role: 'admin', prefix: 'usageadmin' });
    for (const prefix of ['ada', 'grace', 'linus']) people.push(await signUp(stack, { prefix }));
    const usage = stack.api.get(UsageService);
    for (let days = 19; days >= 0; days--) {
      const at = daysBefore(days);
      // ada asks every day, grace on five days of seven, more and more, linus uploads now and then
      await usage.record(
        people[0].id,
        { questions: 3 + (days % 4), answerTokens: 180, searches: 2 },
        at,
      );
      activeDays += 1;
      if (days % 7 < 5) {
        await usage.record(people[1].id, { questions: 8 - Math.floor(days / 4), searches: 1 }, at);
        activeDays += 1;
      }
      if (days % 5 === 0) {
        await usage.record(people[2].id, { uploads: 3, bytesIngested: 2_400_000, signIns: 1 }, at);
        activeDays += 1;
      }
    }
    browser = await launchBrowser();
    ({ page } = await browser.newPage(origin));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const activity = () => page.getByRole('region', { name: 'Activity' });

  /** Sets the window form and waits for the feature chart of that grouping. */
  async function show(from: string, to: string, grouping: 'day' | 'week' | 'month') {
    await activity().getByLabel('From').fill(from);
    await activity().getByLabel('To').fill(to);
    await activity().getByLabel('Group by').selectOption(grouping);
    await activity().getByRole('button', { name: 'Show' }).click();
  }

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
    // the default window (the last 30 days) first
    await activity()
      .getByRole('img', { name: /^Feature use per day\./ })
      .waitFor();

    await show(FIRST_DAY, LAST_DAY, 'day');
    await activity().getByText(`on ${LAST_DAY}`).waitFor();
    const features = activity().getByRole('img', { name: /^Feature use per day\./ });
    // uPlot drew its canvas inside the chart, with a legend naming every line
    expect(await features.locator('canvas').count()).toBeGreaterThanOrEqual(1);
    for (const label of ['Questions', 'Searches', 'Uploads', 'Sign-ins']) {
      await features.locator('.u-legend').getByText(label, { exact: true }).waitFor();
    }
    // every one of the three was active on the last day (days = 0)
    const card = (title: string) => activity().locator('.card').filter({ hasText: title });
    expect(await card('Daily active').locator('.big').textContent()).toBe('3');
    expect(await card('Weekly active').locator('.big').textContent()).toBe('3');
    expect(await card('Monthly active').locator('.big').textContent()).toBe('3');
    const active = activity().getByRole('img', { name: /^Active people per day\./ });
    const label = (await active.getAttribute('aria-label')) ?? '';
    expect(Number(/Active people: (\d+) in all/.exec(label)?.[1])).toBe(activeDays);

    // the top users, most active first, by display name (never an e-mail)
    const top = activity().getByRole('table', { name: 'Most active people' });
    expect(await top.locator('tbody th').allTextContents()).toEqual(
      people.map((person) => person.displayName),
    );
    expect(await activity().textContent()).not.toContain(people[0].email);
    await screenshot(page, 'admin-usage');

    // the same figures as a table, for people who cannot see the canvas: one row per day
    await activity().getByText('Feature use per day as a table').click();
    const rows = activity()
      .getByRole('table')
      .filter({ hasText: 'Period' })
      .first()
      .locator('tbody tr');
    expect(await rows.count()).toBe(21);
  }, 120_000);

  it('groups by week, and shows a refused window next to its field', async () => {
    await show(FIRST_DAY, LAST_DAY, 'week');
    const weekly = activity().getByRole('img', { name: /^Feature use per week\./ });
    await weekly.waitFor();
    // 2003-03-01 was a Saturday: its week began on Monday 02-24; then 03-03, 03-10, 03-17
    await activity().getByText('Feature use per week as a table').click();
    const periods = activity()
      .getByRole('table')
      .filter({ hasText: 'Period' })
      .first()
      .locator('tbody th');
    expect(await periods.allTextContents()).toEqual([
      '2003-02-24',
      '2003-03-03',
      '2003-03-10',
      '2003-03-17',
    ]);

    await show('2003-03-25', LAST_DAY, 'day');
    await activity().getByText('from must not be later than to').waitFor();
  }, 60_000);

  it('opens to a custom role only the admin pages it may use: an analyst sees Usage and nothing else', async () => {
    const bearer = { Authorization: `Bearer ${admin.token}` };
    const name = `analyst-${Date.now().toString(36)}`;
    await stack.http
      .post('/api/v1/admin/roles')
      .set(bearer)
      .send({
        name,
        description: 'Reads the usage figures',
        permissions: [{ action: 'read', subject: 'Stats', own: false }],
      })
      .expect(201);
    const analyst = await signUp(stack, { prefix: 'analyst' });
    await stack.http
      .patch(`/api/v1/admin/users/${analyst.id}`)
      .set(bearer)
      .send({ role: name })
      .expect(200);

    const { page: analystPage } = await browser.newPage(new URL(page.url()).origin);
    await analystPage.goto('/sign-in');
    await analystPage.getByLabel('E-mail').fill(analyst.email);
    await analystPage.getByLabel('Password').fill(analyst.password);
    await analystPage.getByRole('button', { name: 'Sign in' }).click();
    await analystPage.getByRole('link', { name: 'Admin', exact: true }).click();
    await analystPage.getByRole('region', { name: 'Activity' }).waitFor();
    expect(new URL(analystPage.url()).pathname).toBe('/admin/stats');
    const menu = analystPage.getByRole('navigation', { name: 'Administration' });
    expect(await menu.getByRole('link').allTextContents()).toEqual(['Usage']);
    // the pages the role does not open do not exist for them
    await analystPage.goto('/admin/users');
    await analystPage.getByRole('heading', { name: 'Page not found' }).waitFor();
    await analystPage.close();
  }, 60_000);
});
