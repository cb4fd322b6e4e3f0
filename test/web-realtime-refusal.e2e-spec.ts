import type { ConsoleMessage, Page } from 'playwright-core';
import { ensureWebBuild, freePort, launchBrowser, type TestBrowser } from './support/browser';
import { newIdentity, type Stack, startStack } from './support/stack';

/**
 * The socket's handshake refused for a reason a new access token cannot cure: the page is served
 * from an origin that is not in CORS_ORIGINS (nor PUBLIC_APP_URL's), so the gateway answers
 * `connect_error` "unauthorized" with `data.code` "origin_not_allowed". The client must not renew
 * its token and reconnect in a loop (each renewal is a POST /auth/refresh, and the per-IP auth
 * limit of 10 a minute would soon answer 429 to sign-ins from the same address): it shows "Live
 * updates unavailable" and stays put. A refusal about the token (a stand-in socket server that
 * always answers "token_expired") gets one renewal per refused handshake, with backoff, three at
 * most.
 */
describe('web client: a socket refused for its origin', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let page: Page;
  const refreshes: number[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    // the app believes it lives at localhost; the browser opens it at 127.0.0.1
    const configured = `http://localhost:${port}`;
    stack = await startStack({ PUBLIC_APP_URL: configured, CORS_ORIGINS: configured });
    await stack.api.listen(port, '127.0.0.1');
    browser = await launchBrowser();
    ({ page } = await browser.newPage(`http://127.0.0.1:${port}`));
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/auth/refresh')) {
        refreshes.push(Date.now());
      }
    });
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') {
        consoleErrors.push(`${message.text()} ${message.location().url}`);
      }
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('loads without console errors but the expected refresh probe (no favicon 404)', async () => {
    await page.goto('/sign-up');
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    // give the browser time to ask for an icon
    await page.waitForTimeout(1_000);
    // the one expected failure: the first cookie refresh, 401 since nobody is signed in
    const unexpected = consoleErrors.filter((text) => !text.includes('/api/v1/auth/refresh'));
    expect(unexpected).toEqual([]);
  }, 60_000);

  it('does not loop token refreshes; says live updates are unavailable', async () => {
    const person = newIdentity('origin');
    await page.getByLabel('Name').fill(person.displayName);
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    const before = refreshes.length;
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    await page.getByRole('img', { name: 'Live updates unavailable' }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(5_000);
    // the old client renewed on every refusal: a dozen refreshes in these seconds, then 429s
    expect(refreshes.length - before).toBe(0);
    expect(await page.getByRole('img', { name: 'Live updates unavailable' }).count()).toBe(1);
    // the session is intact: the API still answers
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Notifications' })
      .click();
    await page.getByText('No notifications.').waitFor();
  }, 60_000);

  it('renews a refused token once per refusal, with backoff, and gives up after three', async () => {
    // a stand-in socket.io server that refuses every handshake for an expired token
    const handshakes: number[] = [];
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      ws.send(
        '0{"sid":"stand-in","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
      );
      ws.onMessage((message) => {
        if (!String(message).startsWith('40/notifications,')) return;
        handshakes.push(Date.now());
        ws.send('44/notifications,{"message":"unauthorized","data":{"code":"token_expired"}}');
      });
    });
    await page.goto('/documents');
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    await page.getByRole('img', { name: 'Live updates unavailable' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(4_000);
    // the page's own cookie refresh on load comes before the first handshake (which needs its
    // token); after it, one renewal per refused handshake, three at most. The first renewal can
    // come before the page shows its heading, so every refresh since the first handshake counts.
    const renewals = refreshes.filter((at) => at >= handshakes[0]!);
    expect(renewals).toHaveLength(3);
    expect(handshakes).toHaveLength(4);
    // the first at once (the usual expired token), the others after a growing delay
    expect(handshakes[2]! - handshakes[1]!).toBeGreaterThanOrEqual(500);
    expect(handshakes[3]! - handshakes[2]!).toBeGreaterThanOrEqual(1_000);
  }, 60_000);
});
