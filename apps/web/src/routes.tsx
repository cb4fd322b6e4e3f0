import type { ReactNode } from 'react';
import type { PermissionRuleDto } from './api/openapi.gen';
import { adminPages, type AdminPath } from './lib/admin-pages';
import { AdminAuditPage } from './pages/admin/AuditPage';
import { AdminQueuesPage } from './pages/admin/QueuesPage';
import { AdminRolesPage } from './pages/admin/RolesPage';
import { AdminStatsPage } from './pages/admin/StatsPage';
import { AdminUsersPage } from './pages/admin/UsersPage';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/auth/PasswordPages';
import { SignInPage } from './pages/auth/SignInPage';
import { SignUpPage } from './pages/auth/SignUpPage';
import { ChatPage } from './pages/chat/ChatPage';
import { DocumentsPage } from './pages/documents/DocumentsPage';
import { NotificationsPage } from './pages/notifications/NotificationsPage';
import { PreferencesPage } from './pages/notifications/PreferencesPage';
import { SessionsPage } from './pages/SessionsPage';

/** The pages anyone can open; signed in, all but the reset link send on to /documents. */
export const PUBLIC_PAGES: Record<string, (() => ReactNode) | undefined> = {
  '/sign-in': () => <SignInPage />,
  '/sign-up': () => <SignUpPage />,
  '/forgot-password': () => <ForgotPasswordPage />,
  '/reset-password': () => <ResetPasswordPage />,
};

interface Route {
  /** exact paths */
  paths: string[];
  /** also every path under this prefix (the chat's `/chat/<id>`) */
  prefix?: string;
  /** an admin page: only for those its permission allows (others get "Page not found") */
  admin?: AdminPath;
  page: () => ReactNode;
}

/** The pages of a signed-in user, first match wins. */
const PRIVATE_ROUTES: Route[] = [
  { paths: ['/documents', '/'], page: () => <DocumentsPage /> },
  { paths: ['/chat'], prefix: '/chat/', page: () => <ChatPage /> },
  { paths: ['/notifications'], page: () => <NotificationsPage /> },
  { paths: ['/settings/notifications'], page: () => <PreferencesPage /> },
  { paths: ['/settings/sessions'], page: () => <SessionsPage /> },
  { paths: ['/admin/users'], admin: '/admin/users', page: () => <AdminUsersPage /> },
  { paths: ['/admin/roles'], admin: '/admin/roles', page: () => <AdminRolesPage /> },
  { paths: ['/admin/audit'], admin: '/admin/audit', page: () => <AdminAuditPage /> },
  { paths: ['/admin/queues'], admin: '/admin/queues', page: () => <AdminQueuesPage /> },
  { paths: ['/admin/stats'], admin: '/admin/stats', page: () => <AdminStatsPage /> },
];

/**
 * The page for `path`, or null when there is none or the caller's permissions do not open it.
 * `/admin` is the first admin page they open.
 */
export function privatePage(path: string, rules: PermissionRuleDto[] | undefined): ReactNode {
  const allowed = new Set<string>(adminPages(rules).map((page) => page.path));
  const wanted = path === '/admin' ? [...allowed][0] : path;
  if (wanted === undefined) return null;
  const route = PRIVATE_ROUTES.find(
    (candidate) =>
      (candidate.paths.includes(wanted) ||
        (candidate.prefix !== undefined && wanted.startsWith(candidate.prefix))) &&
      (candidate.admin === undefined || allowed.has(candidate.admin)),
  );
  return route ? route.page() : null;
}
