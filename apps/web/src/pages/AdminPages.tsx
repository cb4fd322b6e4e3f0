import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api/client';
import type {
  AdminUserDto,
  AuditEventDto,
  JobDto,
  PermissionCatalogueEntryDto,
  QueueDto,
  RoleDto,
  RoleRuleDto,
} from '../api/openapi.gen';
import type { Page } from '../api/extra-types';
import { Empty, ProblemAlert, Spinner, useConfirm } from '../components/ui';
import { formatBytes, formatDate } from '../lib/format';
import { Link } from '../lib/router';
import { useToasts } from '../lib/toasts';

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

function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async () => {
    setError(null);
    try {
      setData(await load());
    } catch (e) {
      setError(e);
    }
  }, deps);
  useEffect(() => {
    void run();
  }, [run]);
  return { data, error, reload: run, setData };
}

export function AdminUsersPage() {
  const toasts = useToasts();
  const confirm = useConfirm();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [role, setRole] = useState('');
  const [search, setSearch] = useState({ q: '', status: '', role: '' });
  const users = useLoad(
    () => api.get<Page<AdminUserDto>>('/admin/users', { ...search, limit: 50 }),
    [search],
  );
  const roles = useLoad(() => api.get<{ items: RoleDto[] }>('/admin/roles'), []);

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
    <div className="page">
      <header className="page-header">
        <h1>Users</h1>
      </header>
      <AdminNav />
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
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
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
    </div>
  );
}

export function AdminRolesPage() {
  const roles = useLoad(() => api.get<{ items: RoleDto[] }>('/admin/roles'), []);
  const catalogue = useLoad(
    () => api.get<{ items: PermissionCatalogueEntryDto[] }>('/admin/permissions'),
    [],
  );
  const error = roles.error ?? catalogue.error;
  const mark = (role: RoleDto, entry: PermissionCatalogueEntryDto) => {
    // read the stored rules, so `manage all` (admin) and inverted rules show as they act
    const matches = (rule: RoleRuleDto) =>
      (rule.action === entry.action || rule.action === 'manage') &&
      (rule.subject === entry.subject || rule.subject === 'all');
    const rules = (role.rules ?? role.permissions.map((p) => ({ ...p, inverted: false }))).filter(
      matches,
    );
    const granted = rules.filter((rule) => !rule.inverted);
    const limited = rules.some((rule) => rule.inverted);
    if (granted.length === 0) return <span aria-label="not granted">—</span>;
    const own = granted.every((rule) => rule.own);
    const label = own
      ? 'granted on own resources'
      : limited
        ? 'granted, with exceptions'
        : 'granted';
    return <span aria-label={label}>{own ? '✓ own' : limited ? '✓ (limited)' : '✓'}</span>;
  };
  return (
    <div className="page">
      <header className="page-header">
        <h1>Roles and permissions</h1>
      </header>
      <AdminNav />
      {error ? <ProblemAlert error={error} /> : null}
      {!roles.data || !catalogue.data ? (
        error ? null : (
          <Spinner label="Loading roles…" />
        )
      ) : (
        <div className="scroll-x">
          <table className="matrix">
            <caption className="visually-hidden">Permissions granted to each role</caption>
            <thead>
              <tr>
                <th scope="col">Permission</th>
                {roles.data.items.map((role) => (
                  <th scope="col" key={role.id} title={role.description}>
                    {role.name}
                    {role.builtIn ? <small className="muted"> (built-in)</small> : null}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {catalogue.data.items.map((entry) => (
                <tr key={`${entry.action}:${entry.subject}`}>
                  <th scope="row">
                    {entry.action} {entry.subject}
                  </th>
                  {roles.data!.items.map((role) => (
                    <td key={role.id}>{mark(role, entry)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function AdminAuditPage() {
  const [filters, setFilters] = useState({
    action: '',
    actorId: '',
    targetType: '',
    from: '',
    to: '',
  });
  const [applied, setApplied] = useState(filters);
  const [items, setItems] = useState<AuditEventDto[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (after?: string) => {
      setError(null);
      try {
        const page = await api.get<Page<AuditEventDto>>('/admin/audit-events', {
          ...applied,
          from: applied.from ? new Date(applied.from).toISOString() : undefined,
          to: applied.to ? new Date(applied.to).toISOString() : undefined,
          cursor: after,
          limit: 50,
        });
        setItems((current) => (after && current ? [...current, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (e) {
        setError(e);
        setItems((current) => current ?? []);
      }
    },
    [applied],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const set = (key: keyof typeof filters) => (e: { target: { value: string } }) =>
    setFilters({ ...filters, [key]: e.target.value });

  return (
    <div className="page">
      <header className="page-header">
        <h1>Audit log</h1>
      </header>
      <AdminNav />
      <form
        className="toolbar wrap"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        <label>
          Action <input value={filters.action} onChange={set('action')} placeholder="auth.login" />
        </label>
        <label>
          Actor id <input value={filters.actorId} onChange={set('actorId')} />
        </label>
        <label>
          Target type{' '}
          <input value={filters.targetType} onChange={set('targetType')} placeholder="user" />
        </label>
        <label>
          From <input type="datetime-local" value={filters.from} onChange={set('from')} />
        </label>
        <label>
          To <input type="datetime-local" value={filters.to} onChange={set('to')} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {error ? <ProblemAlert error={error} /> : null}
      {items === null ? (
        <Spinner label="Loading audit events…" />
      ) : items.length === 0 ? (
        <Empty>No audit events match.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {items.map((event) => (
              <tr key={event.id}>
                <td>{formatDate(event.occurredAt)}</td>
                <th scope="row">{event.action}</th>
                <td>{event.outcome}</td>
                <td className="mono">{event.actorId ?? '—'}</td>
                <td className="mono">
                  {event.targetType ? `${event.targetType} ${event.targetId ?? ''}` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor ? (
        <button type="button" onClick={() => void load(cursor)}>
          Load more
        </button>
      ) : null}
    </div>
  );
}

export function AdminQueuesPage() {
  const toasts = useToasts();
  const queues = useLoad(() => api.get<{ items: QueueDto[] }>('/admin/queues'), []);
  const [openQueue, setOpenQueue] = useState<string | null>(null);
  const [jobs, setJobs] = useState<JobDto[] | null>(null);

  const showFailed = async (name: string) => {
    setOpenQueue(name);
    setJobs(null);
    try {
      setJobs(
        (
          await api.get<Page<JobDto>>(`/admin/queues/${name}/jobs`, {
            state: 'failed',
            limit: 50,
          })
        ).items,
      );
    } catch (e) {
      setJobs([]);
      toasts.show({ tone: 'error', title: 'Could not load jobs', body: messageOf(e) });
    }
  };

  const retry = async (job: JobDto) => {
    try {
      await api.post(`/admin/queues/${openQueue}/jobs/${job.id}/retry`);
      setJobs((current) => current?.filter((j) => j.id !== job.id) ?? current);
      void queues.reload();
      toasts.show({ tone: 'success', title: `Job ${job.id} queued again` });
    } catch (e) {
      toasts.show({ tone: 'error', title: 'Retry failed', body: messageOf(e) });
    }
  };

  const removeJob = async (job: JobDto) => {
    try {
      await api.del(`/admin/queues/${openQueue}/jobs/${job.id}`);
      setJobs((current) => current?.filter((j) => j.id !== job.id) ?? current);
      void queues.reload();
    } catch (e) {
      toasts.show({ tone: 'error', title: 'Delete failed', body: messageOf(e) });
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>Queues</h1>
        <button type="button" onClick={() => void queues.reload()}>
          Refresh
        </button>
      </header>
      <AdminNav />
      {queues.error ? <ProblemAlert error={queues.error} /> : null}
      {!queues.data ? (
        queues.error ? null : (
          <Spinner label="Loading queues…" />
        )
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              {['waiting', 'active', 'delayed', 'failed', 'completed'].map((state) => (
                <th scope="col" key={state}>
                  {state}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {queues.data.items.map((queue) => (
              <tr key={queue.name}>
                <th scope="row">
                  {queue.name}
                  {queue.isPaused ? <span className="badge">paused</span> : null}
                </th>
                {(['waiting', 'active', 'delayed', 'failed', 'completed'] as const).map((state) => (
                  <td key={state}>{queue.counts[state] ?? 0}</td>
                ))}
                <td>
                  <button
                    type="button"
                    onClick={() => void showFailed(queue.name)}
                    aria-label={`Failed jobs of ${queue.name}`}
                  >
                    Failed jobs
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {openQueue ? (
        <section aria-label={`Failed jobs of ${openQueue}`}>
          <h2>Failed jobs: {openQueue}</h2>
          {jobs === null ? (
            <Spinner />
          ) : jobs.length === 0 ? (
            <Empty>No failed jobs.</Empty>
          ) : (
            <ul className="jobs">
              {jobs.map((job) => (
                <li key={job.id}>
                  <span className="mono">
                    #{job.id} {job.name}
                  </span>{' '}
                  — {job.failedReason ?? 'no reason'} ({job.attemptsMade} attempts)
                  <span className="row-actions">
                    <button type="button" onClick={() => void retry(job)}>
                      Retry
                    </button>
                    <button type="button" className="danger" onClick={() => void removeJob(job)}>
                      Delete
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </div>
  );
}

interface Stats {
  users: { total: number; byRole: Record<string, number>; byStatus: Record<string, number> };
  documents: {
    total: number;
    chunks: number;
    storageBytes: number;
    byStatus: Record<string, number>;
    failuresByCode: Record<string, number>;
  };
  chat: {
    questionsToday: number;
    answerTokensToday: number;
    questionsLast30Days: number;
    answerTokensLast30Days: number;
    perDay: { day: string; questions: number; answerTokens: number }[];
  };
  queues: Record<string, Record<string, number>>;
  generatedAt: string;
}

function Counts({ title, values }: { title: string; values: Record<string, number> }) {
  const entries = Object.entries(values);
  return (
    <div className="card">
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <dl>
          {entries.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

export function AdminStatsPage() {
  const stats = useLoad(() => api.get<Stats>('/admin/stats'), []);
  const s = stats.data;
  return (
    <div className="page">
      <header className="page-header">
        <h1>Usage</h1>
      </header>
      <AdminNav />
      {stats.error ? <ProblemAlert error={stats.error} /> : null}
      {!s ? (
        stats.error ? null : (
          <Spinner label="Loading statistics…" />
        )
      ) : (
        <>
          <div className="cards">
            <div className="card">
              <h3>Users</h3>
              <p className="big">{s.users.total}</p>
            </div>
            <div className="card">
              <h3>Documents</h3>
              <p className="big">{s.documents.total}</p>
              <p className="muted">
                {s.documents.chunks} chunks · {formatBytes(s.documents.storageBytes)}
              </p>
            </div>
            <div className="card">
              <h3>Questions</h3>
              <p className="big">{s.chat.questionsToday}</p>
              <p className="muted">today · {s.chat.questionsLast30Days} in 30 days</p>
            </div>
          </div>
          <div className="cards">
            <Counts title="Users by role" values={s.users.byRole} />
            <Counts title="Users by status" values={s.users.byStatus} />
            <Counts title="Documents by status" values={s.documents.byStatus} />
            <Counts title="Ingestion failures" values={s.documents.failuresByCode} />
          </div>
          <p className="muted">As of {formatDate(s.generatedAt)}</p>
        </>
      )}
    </div>
  );
}
