import { randomBytes } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import {
  ensureWebBuild,
  freePort,
  launchBrowser,
  screenshot,
  type TestBrowser,
} from './support/browser';
import { waitFor } from './support/http';
import {
  bearer,
  newIdentity,
  type SignedUp,
  signUp,
  type Stack,
  startStack,
} from './support/stack';

/**
 * Issue 18: the admin screens in Debian Chromium against the real api, PostgreSQL and Redis. An
 * admin builds a custom role from the permission matrix, creates a user with it (the api's
 * refusals shown as sentences next to their field), and that user sees only what the role
 * allows; the admin unlocks, disables (the user is signed out at once) and finally deletes them,
 * after a confirmation that names them.
 */
describe('web client: admin users and roles', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let origin: string;
  let admin: SignedUp;
  let adminPage: Page;
  let readerPage: Page;
  const roleName = `reader-${randomBytes(3).toString('hex')}`;
  const reader = newIdentity('reader');

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    stack = await startStack({
      PUBLIC_APP_URL: origin,
      CORS_ORIGINS: origin,
      LOGIN_LOCKOUT_THRESHOLD: '3',
    });
    await stack.api.listen(port, '127.0.0.1');
    admin = await signUp(stack, { role: 'admin', prefix: 'webroles' });
    browser = await launchBrowser();
    ({ page: adminPage } = await browser.newPage(origin));
    ({ page: readerPage } = await browser.newPage(origin));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
  }

  /** Dismisses the toasts, so that screenshots show the page. */
  async function dismissToasts(page: Page): Promise<void> {
    const dismiss = page.locator('.toast').getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
  }

  /** Whether the element has the page's focus. */
  const isFocused = (locator: Locator) =>
    locator.evaluate(
      (el) =>
        el ===
        (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument
          .activeElement,
    );

  const adminNav = (page: Page, link: string) =>
    page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: link });

  async function readerId(): Promise<string> {
    const res = await stack.http
      .get('/api/v1/admin/users')
      .query({ q: reader.email })
      .set(bearer(admin.token))
      .expect(200);
    const [user] = (res.body as { items: { id: string }[] }).items;
    return user.id;
  }

  it('creates a custom role from the permission matrix; a taken name is refused next to the field', async () => {
    await signIn(adminPage, admin.email, admin.password);
    await adminPage.getByRole('link', { name: 'Admin', exact: true }).click();
    await adminNav(adminPage, 'Roles').click();
    await adminPage.getByRole('heading', { name: 'Roles and permissions' }).waitFor();
    // built-in roles are read-only: no edit or delete for them
    const member = adminPage.getByTestId('role-row').filter({ hasText: 'member' }).first();
    await member.waitFor();
    expect(await member.getByRole('button').count()).toBe(0);
    expect(await member.textContent()).toContain('Read-only');

    await adminPage.getByRole('button', { name: 'New role' }).click();
    const editor = adminPage.getByRole('region', { name: 'New role' });
    await editor.getByLabel('Role name').fill(roleName);
    await editor.getByLabel('Description').fill('Reads documents and chats about them; no uploads');
    const box = (name: string) => editor.getByRole('checkbox', { name, exact: true });
    // "own only" is offered where the catalogue allows it, once the permission is ticked
    expect(await box('read: own ChatSession only').isDisabled()).toBe(true);
    expect(await editor.getByRole('checkbox', { name: 'create: own Document only' }).count()).toBe(
      0,
    );
    await box('read Document').check();
    await box('create ChatSession').check();
    await box('read ChatSession').check();
    await box('read: own ChatSession only').check();
    expect(await box('create Document').isChecked()).toBe(false);
    await screenshot(adminPage, 'admin-role-editor');
    await editor.getByRole('button', { name: 'Create role' }).click();
    const row = adminPage.getByTestId('role-row').filter({ hasText: roleName });
    await row.waitFor();
    expect(await row.textContent()).toContain('Custom');

    // what was stored is what was ticked
    const roles = await stack.http
      .get('/api/v1/admin/roles')
      .query({ limit: 100 })
      .set(bearer(admin.token))
      .expect(200);
    const stored = (roles.body as { items: { name: string; permissions: object[] }[] }).items.find(
      (role) => role.name === roleName,
    );
    expect(stored?.permissions).toEqual(
      expect.arrayContaining([
        { action: 'read', subject: 'Document', own: false },
        { action: 'create', subject: 'ChatSession', own: false },
        { action: 'read', subject: 'ChatSession', own: true },
      ]),
    );
    expect(stored?.permissions).toHaveLength(3);

    // the same name again: a sentence under the name field, not a code
    await adminPage.getByRole('button', { name: 'New role' }).click();
    await editor.getByLabel('Role name').fill(roleName);
    await editor.getByRole('button', { name: 'Create role' }).click();
    const nameError = editor.locator('.field-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toBe('A role with this name already exists.');
    expect(await editor.getByLabel('Role name').getAttribute('aria-invalid')).toBe('true');
    await editor.getByRole('button', { name: 'Discard changes' }).click();
    await editor.waitFor({ state: 'detached' });
    // the focus is back on the button that opened the editor; Escape closes it too
    const newRole = adminPage.getByRole('button', { name: 'New role' });
    await waitFor(() => isFocused(newRole), 5_000);
    await newRole.click();
    await editor.getByLabel('Role name').fill('anything');
    await adminPage.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    await waitFor(() => isFocused(newRole), 5_000);
  }, 120_000);

  it('edits the custom role; a permission the admin does not hold is refused with a sentence', async () => {
    await adminPage.getByRole('button', { name: `Edit role ${roleName}` }).click();
    const editor = adminPage.getByRole('region', { name: `Edit role ${roleName}` });
    const box = (name: string) => editor.getByRole('checkbox', { name, exact: true });
    // the stored permissions are ticked
    expect(await box('read Document').isChecked()).toBe(true);
    expect(await box('read: own ChatSession only').isChecked()).toBe(true);
    // admins may not delete other people's chats, so they cannot hand that out either
    await box('delete ChatSession').check();
    await editor.getByRole('button', { name: 'Save role' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      'You cannot grant a permission that your own role does not have.',
    );
    expect(await alert.textContent()).not.toContain('permission_not_grantable');
    // limited to their own chats it is fine
    await box('delete: own ChatSession only').check();
    await editor.getByRole('button', { name: 'Save role' }).click();
    await editor.waitFor({ state: 'detached' });
    const res = await stack.http
      .get('/api/v1/admin/roles')
      .query({ limit: 100 })
      .set(bearer(admin.token))
      .expect(200);
    const stored = (res.body as { items: { name: string; permissions: object[] }[] }).items.find(
      (role) => role.name === roleName,
    );
    expect(stored?.permissions).toContainEqual({
      action: 'delete',
      subject: 'ChatSession',
      own: true,
    });
    expect(stored?.permissions).toHaveLength(4);
  }, 120_000);

  it('creates a user with that role, after showing a taken e-mail and a weak password as sentences', async () => {
    await adminNav(adminPage, 'Users').click();
    await adminPage.getByRole('heading', { name: 'Users' }).waitFor();
    await adminPage.getByRole('button', { name: 'New user' }).click();
    const dialog = adminPage.getByRole('dialog', { name: 'Create user' });
    await dialog.getByLabel('E-mail').fill(admin.email);
    await dialog.getByLabel('Display name').fill(reader.displayName);
    await dialog.getByLabel('Password').fill(reader.password);
    await dialog.getByLabel('Role').selectOption(roleName);
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const fieldError = dialog.locator('.field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe(
      'An account with this e-mail address already exists.',
    );
    expect(await dialog.getByLabel('E-mail').getAttribute('aria-invalid')).toBe('true');

    await dialog.getByLabel('E-mail').fill(reader.email);
    await dialog.getByLabel('Password').fill('short');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog
      .locator('.field-error')
      .filter({ hasText: /too short/ })
      .waitFor();
    expect(await dialog.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.textContent()).not.toMatch(/password_too_short|email_taken/);

    await dialog.getByLabel('Password').fill(reader.password);
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = adminPage.getByTestId('admin-user-row').filter({ hasText: reader.email });
    await row.waitFor();
    expect(await row.getByLabel(`Role of ${reader.email}`).inputValue()).toBe(roleName);
  }, 120_000);

  it('the new user sees only what the role allows: no uploads, no administration', async () => {
    await signIn(readerPage, reader.email, reader.password);
    await readerPage.getByText('Your role does not allow uploading documents.').waitFor();
    expect(await readerPage.getByTestId('dropzone').count()).toBe(0);
    expect(await readerPage.locator('#file-picker').count()).toBe(0);
    const nav = readerPage.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Chat' }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    // the admin pages are not there for them
    await readerPage.goto('/admin/users');
    await readerPage.getByRole('heading', { name: 'Page not found' }).waitFor();
    // they may start a chat (create ChatSession)
    await nav.getByRole('link', { name: 'Chat' }).click();
    await readerPage.getByRole('button', { name: 'New chat' }).waitFor();
  }, 120_000);

  it('shows a locked account as locked and unlocks it', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await stack.http
        .post('/api/v1/auth/login')
        .send({ email: reader.email, password: `${reader.password} wrong` })
        .expect(401);
    }
    await stack.http
      .post('/api/v1/auth/login')
      .send({ email: reader.email, password: reader.password })
      .expect((res) => expect(res.status).not.toBe(200));

    const row = adminPage.getByTestId('admin-user-row').filter({ hasText: reader.email });
    await row.getByRole('button', { name: `Edit ${reader.email}` }).click();
    const dialog = adminPage.getByRole('dialog', { name: `Edit ${reader.email}` });
    await dialog.getByText(/^Locked after failed sign-in attempts until/).waitFor();
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await stack.http
      .post('/api/v1/auth/login')
      .send({ email: reader.email, password: reader.password })
      .expect(200);
    // opened again: no lock, no Unlock button
    await row.getByRole('button', { name: `Edit ${reader.email}` }).click();
    await dialog.getByText('Not locked: sign-in works.').waitFor();
    expect(await dialog.getByRole('button', { name: 'Unlock' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
  }, 120_000);

  it("refuses changing one's own role with a sentence, not a code", async () => {
    const own = adminPage.getByTestId('admin-user-row').filter({ hasText: admin.email });
    await adminPage.getByLabel('Search users').fill(admin.email);
    await adminPage.getByRole('button', { name: 'Search' }).click();
    await own.waitFor();
    await own.getByLabel(`Role of ${admin.email}`).selectOption('member');
    const toast = adminPage.locator('.toast-error').filter({ hasText: admin.email });
    await toast.waitFor();
    expect(await toast.textContent()).toContain(
      'You cannot change the role or status of your own account',
    );
    expect(await toast.textContent()).not.toContain('cannot_modify_self');
    const me = await stack.http.get('/api/v1/auth/me').set(bearer(admin.token)).expect(200);
    expect((me.body as { role: string }).role).toBe('admin');
    await adminPage.getByLabel('Search users').fill('');
    await adminPage.getByRole('button', { name: 'Search' }).click();
  }, 60_000);

  it('disables the user from the edit dialog; their open page is signed out at once', async () => {
    const row = adminPage.getByTestId('admin-user-row').filter({ hasText: reader.email });
    // (toasts under a modal dialog cannot be dismissed: before it opens)
    await dismissToasts(adminPage);
    await row.getByRole('button', { name: `Edit ${reader.email}` }).click();
    const dialog = adminPage.getByRole('dialog', { name: `Edit ${reader.email}` });
    await dialog.getByLabel('Status').selectOption('disabled');
    await screenshot(adminPage, 'admin-user-edit');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.locator('.badge', { hasText: 'disabled' }).waitFor();

    await readerPage.getByText('Your session has ended').waitFor({ timeout: 60_000 });
    expect(new URL(readerPage.url()).pathname).toBe('/sign-in');
  }, 120_000);

  it('deletes the user only after a confirmation that names them and what goes', async () => {
    const id = await readerId();
    const row = adminPage.getByTestId('admin-user-row').filter({ hasText: reader.email });
    await dismissToasts(adminPage);
    await screenshot(adminPage, 'admin-users');
    await row.getByRole('button', { name: `Delete ${reader.email}` }).click();
    const dialog = adminPage.getByRole('dialog', { name: `Delete ${reader.email}?` });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(reader.displayName);
    expect(await dialog.textContent()).toMatch(/documents, chats and notifications/);
    const confirm = dialog.getByRole('button', { name: 'Delete user' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type their e-mail address to confirm').fill('someone@else.test');
    expect(await confirm.isDisabled()).toBe(true);

    // backing out keeps them
    await dialog.getByRole('button', { name: 'Keep user' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await stack.http.get(`/api/v1/admin/users/${id}`).set(bearer(admin.token)).expect(200);

    await row.getByRole('button', { name: `Delete ${reader.email}` }).click();
    await dialog.getByLabel('Type their e-mail address to confirm').fill(reader.email);
    await confirm.click();
    await dialog.waitFor({ state: 'hidden' });
    await row.waitFor({ state: 'detached' });
    await stack.http.get(`/api/v1/admin/users/${id}`).set(bearer(admin.token)).expect(404);
  }, 120_000);

  it('deletes the custom role, now that nobody has it', async () => {
    await adminNav(adminPage, 'Roles').click();
    const row = adminPage.getByTestId('role-row').filter({ hasText: roleName });
    await row.getByRole('button', { name: `Delete role ${roleName}` }).click();
    await adminPage
      .getByRole('dialog', { name: `Delete role ${roleName}?` })
      .getByRole('button', { name: 'Delete role' })
      .click();
    await row.waitFor({ state: 'detached' });
    await adminPage
      .locator('.toast-success')
      .filter({ hasText: `Deleted role ${roleName}` })
      .waitFor();
    expect(await adminPage.locator('.toast-error').filter({ hasText: roleName }).count()).toBe(0);
  }, 60_000);
});
