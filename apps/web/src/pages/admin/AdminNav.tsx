import type { ReactNode } from 'react';
import { adminPages } from '../../lib/admin-pages';
import { useAuth } from '../../lib/auth';
import { Link } from '../../lib/router';

/** The admin menu: the admin pages the caller's permissions open. */
export function AdminNav() {
  const { me } = useAuth();
  return (
    <nav aria-label="Administration" className="subnav">
      {adminPages(me?.permissions).map((page) => (
        <Link key={page.path} to={page.path}>
          {page.label}
        </Link>
      ))}
    </nav>
  );
}

/** The frame of every admin page: its heading (with `actions` beside it) above the admin menu. */
export function AdminPage({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="page">
      <header className="page-header">
        <h1>{title}</h1>
        {actions}
      </header>
      <AdminNav />
      {children}
    </div>
  );
}
