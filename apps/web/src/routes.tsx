import type { ReactNode } from 'react';
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
  /** only for administrators (others get "Page not found") */
  admin?: boolean;
  page: () => ReactNode;
}

/** The pages of a signed-in user, first match wins. */
const PRIVATE_ROUTES: Route[] = [
  { paths: ['/documents', '/'], page: () => <DocumentsPage /> },
  { paths: ['/chat'], prefix: '/chat/', page: () => <ChatPage /> },
  { paths: ['/notifications'], page: () => <NotificationsPage /> },
  { paths: ['/settings/notifications'], page: () => <PreferencesPage /> },
  { paths: ['/settings/sessions'], page: () => <SessionsPage /> },
  { paths: ['/admin', '/admin/users'], admin: true, page: () => <AdminUsersPage /> },
  { paths: ['/admin/roles'], admin: true, page: () => <AdminRolesPage /> },
  { paths: ['/admin/audit'], admin: true, page: () => <AdminAuditPage /> },
  { paths: ['/admin/queues'], admin: true, page: () => <AdminQueuesPage /> },
  { paths: ['/admin/stats'], admin: true, page: () => <AdminStatsPage /> },
];

/** The page for `path`, or null when there is none (or it is for administrators only). */
export function privatePage(path: string, admin: boolean): ReactNode {
  const route = PRIVATE_ROUTES.find(
    (candidate) =>
      (candidate.paths.includes(path) ||
        (candidate.prefix !== undefined && path.startsWith(candidate.prefix))) &&
      (!candidate.admin || admin),
  );
  return route ? route.page() : null;
}
