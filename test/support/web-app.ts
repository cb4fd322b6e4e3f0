import { AxeBuilder } from '@axe-core/playwright';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ensureWebBuild, freePort, launchBrowser, type TestBrowser } from './browser';
import { CORPUS_DIR } from './shared';
import { type Stack, startStack } from './stack';

/** The machine running the suite may be slow: ingestion and the socket get generous waits. */
export const SLOW = 90_000;

/** A short PDF of the corpus whose one passage answers "Readability counts?" (p. 1). */
export const ZEN_PDF = 'google-doc-document.pdf';

export interface WebApp {
  stack: Stack;
  browser: TestBrowser;
  origin: string;
  close(): Promise<void>;
}

/**
 * The built web client served by a real api (and worker) on a free port, and a Chromium: what every
 * browser test starts from (see test/web.e2e-spec.ts).
 */
export async function startWebApp(): Promise<WebApp> {
  ensureWebBuild();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const stack = await startStack(
    {
      PUBLIC_APP_URL: origin,
      CORS_ORIGINS: origin,
      RATE_LIMIT_UPLOAD: '1000/1m',
      RATE_LIMIT_CHAT: '1000/1m',
    },
    { worker: true },
  );
  await stack.api.listen(port, '127.0.0.1');
  const browser = await launchBrowser();
  return {
    stack,
    browser,
    origin,
    async close() {
      await browser.close();
      await stack.close();
    },
  };
}

/** Signs up through the sign-up page and waits for the documents page. */
export async function signUpInBrowser(
  page: Page,
  person: { displayName: string; email: string; password: string },
): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Name').fill(person.displayName);
  await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
}

/** Signs in through the sign-in page and waits for the documents page. */
export async function signInInBrowser(
  page: Page,
  person: { email: string; password: string },
): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
}

/** Uploads a corpus file through the file input and waits until it is ingested. */
export async function uploadAndWait(page: Page, filename: string): Promise<void> {
  await page.locator('#file-picker').setInputFiles(join(CORPUS_DIR, filename));
  await page
    .locator('[data-testid="document-row"][data-status="completed"]')
    .filter({ hasText: filename })
    .waitFor({ timeout: SLOW });
}

/** Starts a chat limited to `filename` from the chat page, asks `question`, waits for the answer. */
export async function askAbout(
  page: Page,
  filename: string,
  title: string,
  question: string,
): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).click();
  const dialog = page.getByRole('dialog', { name: 'New chat' });
  await dialog.getByLabel('Title (optional)').fill(title);
  await dialog.getByRole('checkbox', { name: filename }).check();
  await dialog.getByRole('button', { name: 'Start chat' }).click();
  await page.getByRole('heading', { name: title }).waitFor();
  await page.getByLabel('Your question').fill(question);
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  await page
    .locator('article[aria-label="Answer"]:not([data-streaming])')
    .last()
    .waitFor({ timeout: SLOW });
}

/** The axe-core violations of `page` that are serious or critical, one readable line each. */
export async function seriousViolations(
  page: Page,
  options: { only?: string[] } = {},
): Promise<string[]> {
  let builder = new AxeBuilder({ page });
  if (options.only) builder = builder.withRules(options.only);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map(
        (node) =>
          `${v.impact} ${v.id} (${v.help}) at ${node.target.join(' ')}: ` +
          `${(node.failureSummary ?? '').replace(/\s+/g, ' ').trim()}`,
      ),
    );
}

/** How far the page reaches sideways, in CSS pixels (more than the viewport: it scrolls). */
export const pageWidth = (page: Page): Promise<number> =>
  page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

/** The browser's globals the helpers below use (this file is type-checked without the DOM library). */
interface PageGlobals {
  getComputedStyle(element: unknown): { getPropertyValue(property: string): string };
}

/** Whether the element has the page's focus. */
export const isFocused = (locator: Locator): Promise<boolean> =>
  locator.evaluate(
    (el) =>
      el ===
      (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
  );

/** One computed style property of the element (`display`, `outline-style`, …). */
export const styleOf = (locator: Locator, property: string): Promise<string> =>
  locator.evaluate(
    (el, name) =>
      (globalThis as unknown as PageGlobals).getComputedStyle(el).getPropertyValue(name),
    property,
  );

/**
 * The elements that reach past `width` (the right edge of the screen), innermost first, as
 * `tag.class "text"`: what makes a page scroll sideways.
 */
export const overflowing = (page: Page, width: number): Promise<string[]> =>
  page.evaluate(`(() => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right <= ${width} + 0.5 || box.width === 0) continue;
      if ([...el.children].some((child) => child.getBoundingClientRect().right > ${width} + 0.5)) continue;
      let clipped = false;
      for (let up = el.parentElement; up; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (style.overflowX !== 'visible' || style.position === 'fixed') { clipped = true; break; }
      }
      if (clipped) continue;
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ +/g, '.') : '') +
        ' "' + (el.textContent || '').trim().slice(0, 40) + '" right=' + Math.round(box.right));
    }
    return out.slice(0, 8);
  })()`) as Promise<string[]>;
