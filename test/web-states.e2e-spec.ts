import type { Page, Route, WebSocketRoute } from 'playwright-core';
import { newIdentity } from './support/stack';
import {
  signUpInBrowser,
  SLOW,
  startWebApp,
  uploadAndWait,
  type WebApp,
  ZEN_PDF,
} from './support/web-app';

/** A gate the test opens: requests routed through `hold` wait for it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const problem = (status: number, title: string, detail: string) => ({
  status,
  contentType: 'application/problem+json',
  body: JSON.stringify({ type: 'about:blank', title, status, detail }),
});

/**
 * Issue 18, the states of every page: placeholder rows while a list loads (aria-busy), empty
 * states that say what to do next, the "Service unavailable — retrying…" banner while the api
 * answers 503 (the session kept, the banner gone on recovery), and optimistic updates rolled back
 * with a toast when the api refuses. The api is real; `page.route` stands in for the outage and
 * the refusals.
 */
describe('web client: loading, empty, unavailable and rollback states', () => {
  let app: WebApp;
  let page: Page;
  const person = newIdentity('states');

  beforeAll(async () => {
    app = await startWebApp();
    ({ page } = await app.browser.newPage(app.origin));
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  const mainNav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

  it('shows placeholder rows while the documents load, then an empty state saying what to do', async () => {
    await signUpInBrowser(page, person);
    const held = gate();
    await page.route('**/api/v1/documents?*', async (route: Route) => {
      await held.opened;
      await route.continue();
    });
    await mainNav('Chat').click();
    await mainNav('Documents').click();
    const skeleton = page.getByTestId('skeleton');
    await skeleton.waitFor();
    expect(await skeleton.getAttribute('aria-busy')).toBe('true');
    expect(await skeleton.textContent()).toContain('Loading documents…');
    held.open();
    await skeleton.waitFor({ state: 'detached' });
    await page.unroute('**/api/v1/documents?*');
    await page.getByText('No documents yet.').waitFor();
    await page.getByText(/Upload PDFs, Word files or text/).waitFor();
  }, 60_000);

  it('says what to do next on the empty chat, notifications and search', async () => {
    await page.getByLabel('Search inside documents').fill('zzyzx');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Nothing found.').waitFor();
    await page.getByText(/Try other words/).waitFor();

    await mainNav('Chat').click();
    await page.getByText('No conversations yet.').waitFor();
    await page.getByText(/Start one with New chat/).waitFor();

    await mainNav('Notifications').click();
    await page.getByText('No notifications.').waitFor();
    await page.getByText(/You are told here when a document is ready/).waitFor();
  }, 60_000);

  it('shows "Service unavailable — retrying…" while the api answers 503, keeps the session, and clears it on recovery', async () => {
    const banner = page.getByRole('status').filter({ hasText: 'Service unavailable — retrying…' });
    expect(await banner.count()).toBe(0);
    let refused = 0;
    let retried!: () => void;
    const twice = new Promise<void>((resolve) => (retried = resolve));
    await page.route('**/api/v1/**', async (route: Route) => {
      refused += 1;
      if (refused === 2) retried();
      await route.fulfill({
        ...problem(503, 'Service Unavailable', 'A dependency is down.'),
        headers: { 'Retry-After': '1' },
      });
    });
    await mainNav('Documents').click();
    await banner.waitFor();
    expect(await page.getByText('No documents yet.').count()).toBe(0);
    // retried, not given up on: a second 503 while the banner is up
    await twice;
    expect(await banner.count()).toBe(1);

    await page.unroute('**/api/v1/**');
    await banner.waitFor({ state: 'detached', timeout: SLOW });
    await page.getByText('No documents yet.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/documents');
  }, 120_000);

  it('shows the banner while the live socket stays down (the session kept), and clears it when it is back', async () => {
    // the socket.io WebSocket goes through this route: passed to the api, or closed at once
    let refusing = false;
    const open: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await page.routeWebSocket(/\/socket\.io\//, async (ws: WebSocketRoute) => {
      if (refusing) return ws.close();
      open.push({ page: ws, server: ws.connectToServer() });
    });
    await page.reload();
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    const banner = page.getByRole('status').filter({ hasText: 'Service unavailable — retrying…' });
    expect(await banner.count()).toBe(0);

    // the connection drops and every reconnection is refused for now
    refusing = true;
    for (const ws of open.splice(0)) {
      await ws.server.close();
      await ws.page.close();
    }
    await page.getByRole('img', { name: 'Live updates reconnecting' }).waitFor();
    await banner.waitFor({ timeout: SLOW });
    expect(new URL(page.url()).pathname).toBe('/documents');

    // the socket may connect again: live updates are back and the banner goes
    refusing = false;
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    await banner.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe('/documents');
    expect(await page.getByText('Your session has ended').count()).toBe(0);
  }, 120_000);

  it('rolls back an optimistic "mark read" the api refuses, with a toast', async () => {
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    await uploadAndWait(page, ZEN_PDF);
    await mainNav('Notifications').click();
    const item = page.locator('.notifications li').filter({ hasText: `“${ZEN_PDF}” is ready` });
    await item.locator('.badge', { hasText: 'new' }).waitFor({ timeout: SLOW });
    const unread = page.getByTestId('unread-badge');
    await unread.waitFor();
    const unreadBefore = await unread.textContent();

    const held = gate();
    await page.route('**/api/v1/notifications/*/read', async (route: Route) => {
      await held.opened;
      await route.fulfill(problem(500, 'Internal Server Error', 'Something broke.'));
    });
    await item.getByRole('button', { name: /^Mark read/ }).click();
    // at once: read, before the api has answered
    await item.locator('.badge', { hasText: 'new' }).waitFor({ state: 'detached' });
    expect(await item.getByRole('button', { name: /^Mark read/ }).count()).toBe(0);
    held.open();
    // the refusal puts it back and says so
    await item.locator('.badge', { hasText: 'new' }).waitFor();
    await page
      .locator('.toast')
      .filter({ hasText: `Could not mark as read: “${ZEN_PDF}” is ready` })
      .waitFor();
    expect(await page.locator('.toast').filter({ hasText: 'Something broke.' }).count()).toBe(1);
    expect(await unread.textContent()).toBe(unreadBefore);
    await page.unroute('**/api/v1/notifications/*/read');
  }, 240_000);

  it('rolls back an optimistic document delete the api refuses, with a toast', async () => {
    await mainNav('Documents').click();
    const row = page.getByTestId('document-row').filter({ hasText: ZEN_PDF });
    await row.waitFor();
    const held = gate();
    await page.route('**/api/v1/documents/*', async (route: Route) => {
      if (route.request().method() !== 'DELETE') return route.continue();
      await held.opened;
      await route.fulfill(problem(500, 'Internal Server Error', 'The disk is on fire.'));
    });
    await page.getByRole('button', { name: `Delete ${ZEN_PDF}` }).click();
    await page
      .getByRole('dialog', { name: `Delete ${ZEN_PDF}?` })
      .getByRole('button', { name: 'Delete' })
      .click();
    await row.waitFor({ state: 'detached' });
    held.open();
    await row.waitFor();
    await page
      .locator('.toast')
      .filter({ hasText: `Could not delete ${ZEN_PDF}` })
      .filter({ hasText: 'The disk is on fire.' })
      .waitFor();
    await page.unroute('**/api/v1/documents/*');
  }, 60_000);
});
