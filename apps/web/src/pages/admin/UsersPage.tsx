import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { messageOf } from '../../api/errors';
import type { AdminUserDto, AdminUserPageDto, RoleDto, RoleListDto } from '../../api/openapi.gen';
import { Empty, ProblemAlert, Spinner, TableHead, useConfirm } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { useLoad } from '../../lib/useLoad';
import { useToasts } from '../../lib/toasts';
import { AdminPage } from './AdminNav';

export function AdminUsersPage() {
  const toasts = useToasts();
  const confirm = useConfirm();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [role, setRole] = useState('');
  const [search, setSearch] = useState({ q: '', status: '', role: '' });
  const users = useLoad(
    () => api.get<AdminUserPageDto>('/admin/users', { ...search, limit: 50 }),
    [search],
  );
  const roles = useLoad(() => api.get<RoleListDto>('/admin/roles'), []);

  const patch = async (
    user: AdminUserDto,
    body: Partial<Pick<AdminUserDto, 'role' | 'status'>>,
  ) => {
    try {
      const updated = await api.patch<AdminUserDto>(`/admin/users/${user.id}`, body);
      users.setData(
        (page) =>
          page && { ...page, items: page.items.map((u) => (u.id === user.id ? updated : u)) },
      );
      toasts.show({ tone: 'success', title: `Updated ${user.email}` });
    } catch (e) {
      toasts.show({ tone: 'error', title: `Could not update ${user.email}`, body: messageOf(e) });
    }
  };

  const toggleStatus = async (user: AdminUserDto) => {
    const disabling = user.status === 'active';
    if (
      disabling &&
      !(await confirm.ask(
        `Disable ${user.email}?`,
        'Their sessions end at once and they cannot sign in.',
        'Disable',
      ))
    )
      return;
    await patch(user, { status: disabling ? 'disabled' : 'active' });
  };

  const unlock = async (user: AdminUserDto) => {
    try {
      await api.post(`/admin/users/${user.id}/unlock`);
      toasts.show({ tone: 'success', title: `Unlocked ${user.email}` });
    } catch (e) {
      toasts.show({ tone: 'error', title: 'Could not unlock', body: messageOf(e) });
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ q, status, role });
  };

  return (
    <AdminPage title="Users">
      <form className="toolbar" onSubmit={submit} role="search">
        <label htmlFor="user-search">Search users</label>
        <input
          id="user-search"
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="E-mail or name"
        />
        <label htmlFor="user-status">Status</label>
        <select id="user-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any</option>
          <option value="active">Active</option>
          <option value="disabled">Disabled</option>
        </select>
        <label htmlFor="user-role">Role</label>
        <select id="user-role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">Any</option>
          {(roles.data?.items ?? []).map((r) => (
            <option key={r.id} value={r.name}>
              {r.name}
            </option>
          ))}
        </select>
        <button type="submit">Search</button>
      </form>
      {users.error ? <ProblemAlert error={users.error} /> : null}
      {users.data === null && !users.error ? (
        <Spinner label="Loading users…" />
      ) : users.data && users.data.items.length === 0 ? (
        <Empty>No user matches.</Empty>
      ) : users.data ? (
        <table className="stack">
          <TableHead columns={['User', 'Role', 'Status', 'Created']} actions />
          <tbody>
            {users.data.items.map((user) => (
              <tr key={user.id} data-testid="admin-user-row">
                <th scope="row">
                  {user.displayName}
                  <br />
                  <small className="muted">{user.email}</small>
                </th>
                <td>
                  <select
                    aria-label={`Role of ${user.email}`}
                    value={user.role}
                    onChange={(e) => void patch(user, { role: e.target.value })}
                  >
                    {(roles.data?.items ?? [{ id: user.role, name: user.role } as RoleDto]).map(
                      (role) => (
                        <option key={role.id} value={role.name}>
                          {role.name}
                        </option>
                      ),
                    )}
                  </select>
                </td>
                <td>
                  <span className={`badge status-${user.status}`}>{user.status}</span>
                </td>
                <td>{formatDate(user.createdAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    onClick={() => void toggleStatus(user)}
                    aria-label={`${user.status === 'active' ? 'Disable' : 'Enable'} ${user.email}`}
                  >
                    {user.status === 'active' ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    type="button"
                    onClick={() => void unlock(user)}
                    aria-label={`Unlock ${user.email}`}
                  >
                    Unlock
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {confirm.element}
    </AdminPage>
  );
}
