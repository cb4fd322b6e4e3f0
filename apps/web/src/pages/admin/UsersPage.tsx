import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { api } from '../../api/client';
import type {
  AdminUserDetailDto,
  AdminUserDto,
  AdminUserPageDto,
  RoleDto,
  RoleListDto,
} from '../../api/openapi.gen';
import {
  Dialog,
  Empty,
  Field,
  PasswordField,
  ProblemAlert,
  Spinner,
  TableHead,
  useConfirm,
} from '../../components/ui';
import { formatDate } from '../../lib/format';
import { useLoad } from '../../lib/useLoad';
import { useToasts } from '../../lib/toasts';
import { AdminPage } from './AdminNav';
import { describeProblem, problemSentence } from './adminErrors';

/** A labelled <select> with its field error under it (the form fields' markup, for a choice). */
function SelectField({
  label,
  value,
  onValue,
  error,
  children,
}: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {children}
      </select>
      {error ? (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

const roleOptions = (roles: RoleDto[]) =>
  roles.map((role) => (
    <option key={role.id} value={role.name}>
      {role.name}
      {role.builtIn ? '' : ' (custom)'}
    </option>
  ));

/** An alert with the form-level sentence of a refusal (field sentences go under the fields). */
function FormProblem({ message }: { message: string | null }) {
  return message ? (
    <div role="alert" className="alert alert-error">
      {message}
    </div>
  ) : null;
}

interface CreateUserProps {
  roles: RoleDto[];
  onClose: () => void;
  onCreated: (user: AdminUserDto) => void;
}

function CreateUserDialog({ open, ...props }: CreateUserProps & { open: boolean }) {
  // the form mounts with the dialog: every opening starts empty
  return (
    <Dialog title="Create user" open={open} onClose={props.onClose}>
      <CreateUserForm {...props} />
    </Dialog>
  );
}

function CreateUserForm({ roles, onClose, onCreated }: CreateUserProps) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState(
    roles.some((r) => r.name === 'member') ? 'member' : (roles[0]?.name ?? 'member'),
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await api.post<AdminUserDetailDto>('/admin/users', {
        email,
        displayName,
        password,
        role,
      });
      onCreated(user);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const { message, fields } = describeProblem(error);
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <FormProblem message={error ? message : null} />
      <Field
        label="E-mail"
        type="email"
        autoComplete="off"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={fields.email}
      />
      <Field
        label="Display name"
        required
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
        error={fields.displayName}
      />
      <PasswordField
        kind="new"
        label="Password"
        required
        value={password}
        onValue={setPassword}
        error={fields.password}
        hint="At least 15 characters; a few unrelated words make a good one. Tell it to the person safely: they can change it after signing in."
      />
      <SelectField label="Role" value={role} onValue={setRole} error={fields.role}>
        {roleOptions(roles)}
      </SelectField>
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="submit" className="primary button" disabled={busy}>
          Create user
        </button>
      </div>
    </form>
  );
}

interface EditUserProps {
  roles: RoleDto[];
  onClose: () => void;
  onSaved: (user: AdminUserDto, note: string) => void;
}

function EditUserDialog({ user, ...props }: EditUserProps & { user: AdminUserDto | null }) {
  return (
    <Dialog title={user ? `Edit ${user.email}` : ''} open={user !== null} onClose={props.onClose}>
      {user ? <EditUserForm user={user} {...props} /> : null}
    </Dialog>
  );
}

/** One user's details: display name, role, status, the sign-in lock (with Unlock), sessions. */
function EditUserForm({ user, roles, onClose, onSaved }: EditUserProps & { user: AdminUserDto }) {
  const [detail, setDetail] = useState<AdminUserDetailDto | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [displayName, setDisplayName] = useState(user.displayName);
  const [role, setRole] = useState(user.role);
  const [status, setStatus] = useState<string>(user.status);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.get<AdminUserDetailDto>(`/admin/users/${user.id}`).then(
      (loaded) => {
        if (!cancelled) setDetail(loaded);
      },
      (e: unknown) => {
        if (!cancelled) setLoadError(e);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [user]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, string> = {};
    if (displayName.trim() !== user.displayName) body.displayName = displayName;
    if (role !== user.role) body.role = role;
    if (status !== user.status) body.status = status;
    if (Object.keys(body).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const updated = await api.patch<AdminUserDetailDto>(`/admin/users/${user.id}`, body);
      onSaved(updated, `Saved the changes to ${user.email}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const unlock = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/admin/users/${user.id}/unlock`);
      setDetail((current) => current && { ...current, lockedUntil: null });
      onSaved(user, `Unlocked ${user.email}: they can sign in again`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const { message, fields } = describeProblem(error);
  return (
    <form onSubmit={(e) => void save(e)} noValidate>
      <FormProblem message={error ? message : null} />
      {loadError ? <ProblemAlert error={loadError} /> : null}
      <Field
        label="Display name"
        value={displayName}
        onChange={(e) => setDisplayName(e.target.value)}
        error={fields.displayName}
      />
      <SelectField label="Role" value={role} onValue={setRole} error={fields.role}>
        {roleOptions(
          roles.length > 0 ? roles : [{ id: role, name: role, builtIn: true } as RoleDto],
        )}
      </SelectField>
      <SelectField label="Status" value={status} onValue={setStatus} error={fields.status}>
        <option value="active">Active: can sign in</option>
        <option value="disabled">Disabled: signed out everywhere, cannot sign in</option>
      </SelectField>
      <section aria-label="Sign-in" className="user-signin">
        {detail === null && !loadError ? <Spinner label="Loading sign-in details…" /> : null}
        {detail ? (
          <>
            <p>
              {detail.activeSessions === 0
                ? 'No active session.'
                : `${detail.activeSessions} active session${detail.activeSessions === 1 ? '' : 's'}.`}
            </p>
            {detail.lockedUntil ? (
              <p className="alert alert-info">
                Locked after failed sign-in attempts until {formatDate(detail.lockedUntil)}.{' '}
                <button type="button" onClick={() => void unlock()} disabled={busy}>
                  Unlock
                </button>
              </p>
            ) : (
              <p className="muted">Not locked: sign-in works.</p>
            )}
          </>
        ) : null}
      </section>
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="submit" className="primary button" disabled={busy}>
          Save changes
        </button>
      </div>
    </form>
  );
}

/** Deleting a user: says what goes, and asks for their e-mail address typed in. */
function DeleteUserDialog({
  user,
  onClose,
  onDeleted,
}: {
  user: AdminUserDto | null;
  onClose: () => void;
  onDeleted: (user: AdminUserDto) => void;
}) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setTyped('');
    setError(null);
  }, [user]);

  const remove = async (event: FormEvent) => {
    event.preventDefault();
    if (!user || typed.trim() !== user.email) return;
    setBusy(true);
    setError(null);
    try {
      await api.del(`/admin/users/${user.id}`);
      onDeleted(user);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={user ? `Delete ${user.email}?` : ''} open={user !== null} onClose={onClose}>
      {user ? (
        <form onSubmit={(e) => void remove(e)} noValidate>
          <FormProblem message={error ? problemSentence(error) : null} />
          <p>
            This deletes the account of <strong>{user.displayName}</strong> ({user.email}) with
            their documents, chats and notifications, and signs them out everywhere. The audit log
            keeps its entries about them. This cannot be undone.
          </p>
          <Field
            label="Type their e-mail address to confirm"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <div className="actions">
            <button type="button" onClick={onClose}>
              Keep user
            </button>
            <button type="submit" className="danger" disabled={busy || typed.trim() !== user.email}>
              Delete user
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}

export function AdminUsersPage() {
  const toasts = useToasts();
  const confirm = useConfirm();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [role, setRole] = useState('');
  const [search, setSearch] = useState({ q: '', status: '', role: '' });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<AdminUserDto | null>(null);
  const [deleting, setDeleting] = useState<AdminUserDto | null>(null);
  const users = useLoad(
    () => api.get<AdminUserPageDto>('/admin/users', { ...search, limit: 50 }),
    [search],
  );
  const roles = useLoad(() => api.get<RoleListDto>('/admin/roles', { limit: 100 }), []);
  const roleList = roles.data?.items ?? [];

  const replace = (updated: AdminUserDto) =>
    users.setData(
      (page) =>
        page && {
          ...page,
          items: page.items.map((u) => (u.id === updated.id ? { ...u, ...updated } : u)),
        },
    );

  const patch = async (
    user: AdminUserDto,
    body: Partial<Pick<AdminUserDto, 'role' | 'status'>>,
  ) => {
    try {
      replace(await api.patch<AdminUserDto>(`/admin/users/${user.id}`, body));
      toasts.show({ tone: 'success', title: `Updated ${user.email}` });
    } catch (e) {
      toasts.show({
        tone: 'error',
        title: `Could not update ${user.email}`,
        body: problemSentence(e),
      });
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

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ q, status, role });
  };

  return (
    <AdminPage
      title="Users"
      actions={
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          New user
        </button>
      }
    >
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
          {roleList.map((r) => (
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
        <Empty>No user matches. Change the search, or create a user.</Empty>
      ) : users.data ? (
        <table className="admin-users stack">
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
                    {roleOptions(
                      roleList.some((r) => r.name === user.role)
                        ? roleList
                        : [
                            ...roleList,
                            { id: user.role, name: user.role, builtIn: true } as RoleDto,
                          ],
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
                    onClick={() => setEditing(user)}
                    aria-label={`Edit ${user.email}`}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    onClick={() => void toggleStatus(user)}
                    aria-label={`${user.status === 'active' ? 'Disable' : 'Enable'} ${user.email}`}
                  >
                    {user.status === 'active' ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => setDeleting(user)}
                    aria-label={`Delete ${user.email}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <CreateUserDialog
        open={creating}
        roles={roleList}
        onClose={() => setCreating(false)}
        onCreated={(user) => {
          setCreating(false);
          users.setData((page) => page && { ...page, items: [user, ...page.items] });
          toasts.show({ tone: 'success', title: `Created ${user.email} (${user.role})` });
        }}
      />
      <EditUserDialog
        user={editing}
        roles={roleList}
        onClose={() => setEditing(null)}
        onSaved={(user, note) => {
          replace(user);
          setEditing(null);
          toasts.show({ tone: 'success', title: note });
        }}
      />
      <DeleteUserDialog
        user={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(user) => {
          setDeleting(null);
          users.setData(
            (page) => page && { ...page, items: page.items.filter((u) => u.id !== user.id) },
          );
          toasts.show({ tone: 'success', title: `Deleted ${user.email} and their data` });
        }}
      />
      {confirm.element}
    </AdminPage>
  );
}
