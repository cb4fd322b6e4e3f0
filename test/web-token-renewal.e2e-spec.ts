import type { Page } from 'playwright-core';
import { ensureWebBuild, freePort, launchBrowser, type TestBrowser } from './support/browser';
import { newIdentity, type Stack, startStack } from './support/stack';

/**
 * The web client's token handling with 10-second access tokens: it renews them through the
 * refresh cookie before they expire and pushes each one to its socket with `auth.refresh`, so the
 * socket is never expired by the server and no API call meets a 401.
 */
describe('web client: access token renewal', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let origin: string;
  let page: Page;
  const sent: string[] = [];
  const received: string[] = [];
  const statuses: { url: string; status: number }[] = [];

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    stack = await startStack({
      PUBLIC_APP_URL: origin,
      CORS_ORIGINS: origin,
      JWT_ACCESS_TTL: '10s',
    });
    await stack.api.listen(port, '127.0.0.1');
    browser = await launchBrowser();
    ({ page } = await browser.newPage(origin));
    page.on('websocket', (socket) => {
      socket.on('framesent', (frame) => sent.push(String(frame.payload)));
      socket.on('framereceived', (frame) => received.push(String(frame.payload)));
    });
    page.on('response', (response) => {
      if (response.url().includes('/api/')) {
        statuses.push({ url: response.url(), status: response.status() });
      }
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('renews before expiry, pushes the token to the socket, and never meets a 401', async () => {
    const person = newIdentity('renew');
    await page.goto('/sign-up');
    // the page's first move: a cookie refresh, refused since nobody is signed in yet
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    expect(statuses).toEqual([{ url: `${origin}/api/v1/auth/refresh`, status: 401 }]);
    statuses.length = 0;
    await page.getByLabel('Name').fill(person.displayName);
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: 60_000 });

    // two renewals (at ~8 s and ~16 s): the socket outlives two access tokens
    const refreshed = () =>
      statuses.filter((s) => s.url.endsWith('/api/v1/auth/refresh') && s.status === 200).length;
    const deadline = Date.now() + 60_000;
    while (refreshed() < 2 && Date.now() < deadline) await page.waitForTimeout(500);
    expect(refreshed()).toBeGreaterThanOrEqual(2);
    await page.waitForTimeout(1_000);

    const pushes = sent.filter((frame) => frame.includes('"auth.refresh"'));
    expect(pushes.length).toBeGreaterThanOrEqual(2);
    // acknowledged by the server, never expired
    expect(
      received.filter((frame) => /^43\/notifications,\d+\[\{"ok":true/.test(frame)).length,
    ).toBe(pushes.length);
    expect(received.some((frame) => frame.includes('auth.expired'))).toBe(false);
    expect(await page.getByRole('img', { name: 'Live updates on' }).count()).toBe(1);

    // the current token works for the API
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Notifications' })
      .click();
    await page.getByText('No notifications.').waitFor();
    expect(statuses.filter((s) => s.status === 401)).toEqual([]);
  }, 120_000);
});
