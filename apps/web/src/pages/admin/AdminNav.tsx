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
