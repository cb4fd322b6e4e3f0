import type { Page } from 'playwright-core';
import { screenshot } from './support/browser';
import { newIdentity } from './support/stack';
import {
  askAbout,
  seriousViolations,
  signUpInBrowser,
  SLOW,
  startWebApp,
  styleOf,
  uploadAndWait,
  type WebApp,
  ZEN_PDF,
} from './support/web-app';

/** Relative luminance (WCAG) of a computed `rgb(r, g, b)` colour. */
function luminance(color: string): number {
  const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => {
    const c = Number(part) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Issue 18: the web client follows `prefers-color-scheme`. In Chromium asking for dark, the page is
 * dark and axe-core (colour contrast included) finds nothing serious on the documents and chat
 * pages; in light, it is light.
 */
describe('web client: dark theme', () => {
  let app: WebApp;
  let page: Page;
  const person = newIdentity('dark');

  beforeAll(async () => {
    app = await startWebApp();
    ({ page } = await app.browser.newPage(app.origin));
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('is light by default and dark when the system asks for dark', async () => {
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const body = page.locator('body');
    expect(luminance(await styleOf(body, 'background-color'))).toBeGreaterThan(0.8);

    await page.emulateMedia({ colorScheme: 'dark' });
    expect(luminance(await styleOf(body, 'background-color'))).toBeLessThan(0.05);
    expect(luminance(await styleOf(body, 'color'))).toBeGreaterThan(0.6);
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it('passes axe (colour contrast included) on the documents and chat pages in dark', async () => {
    await signUpInBrowser(page, person);
    await page.getByText('No documents yet').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('img', { name: 'Live updates on' }).waitFor({ timeout: SLOW });
    await uploadAndWait(page, ZEN_PDF);
    expect(await seriousViolations(page)).toEqual([]);

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Chat' })
      .click();
    await askAbout(page, ZEN_PDF, 'In the dark', 'Readability counts?');
    await page.locator('article[aria-label="Answer"] .chip').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(luminance(await styleOf(page.locator('body'), 'background-color'))).toBeLessThan(0.05);
    await screenshot(page, 'dark');

    // the citation viewer in dark too
    await page.locator('article[aria-label="Answer"] .chip').first().click();
    const viewer = page.getByRole('dialog', { name: ZEN_PDF });
    await viewer.locator('mark').waitFor({ timeout: SLOW });
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
  }, 240_000);
});
