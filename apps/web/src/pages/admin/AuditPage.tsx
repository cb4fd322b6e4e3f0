import { useState } from 'react';
import { api } from '../../api/client';
import type { AuditEventPageDto } from '../../api/openapi.gen';
import { ListState, LoadMore, ScrollBox, TableHead } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { usePagedList } from '../../lib/usePagedList';
import { AdminPage } from './AdminNav';

export function AdminAuditPage() {
  const [filters, setFilters] = useState({
    action: '',
    actorId: '',
    targetType: '',
    from: '',
    to: '',
  });
  const [applied, setApplied] = useState(filters);
  const { items, cursor, error, load } = usePagedList(
    (after) =>
      api.get<AuditEventPageDto>('/admin/audit-events', {
        ...applied,
        from: applied.from ? new Date(applied.from).toISOString() : undefined,
        to: applied.to ? new Date(applied.to).toISOString() : undefined,
        cursor: after,
        limit: 50,
      }),
    [applied],
  );

  const set = (key: keyof typeof filters) => (e: { target: { value: string } }) =>
    setFilters({ ...filters, [key]: e.target.value });

  return (
    <AdminPage title="Audit log">
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
      <ListState
        error={error}
        items={items}
        loading="Loading audit events…"
        empty="No audit events match."
      >
        {(items) => (
          <ScrollBox label="Audit events">
            <table>
              <TableHead columns={['When', 'Action', 'Outcome', 'Actor', 'Target']} />
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
          </ScrollBox>
        )}
      </ListState>
      <LoadMore cursor={cursor} load={load} />
    </AdminPage>
  );
}
