import type { ReactNode } from 'react';
import { Link } from '../../lib/router';

export function AdminNav() {
  return (
    <nav aria-label="Administration" className="subnav">
      <Link to="/admin/users">Users</Link>
      <Link to="/admin/roles">Roles</Link>
      <Link to="/admin/audit">Audit log</Link>
      <Link to="/admin/queues">Queues</Link>
      <Link to="/admin/stats">Usage</Link>
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
