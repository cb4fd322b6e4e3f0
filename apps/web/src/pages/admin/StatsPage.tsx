import { api } from '../../api/client';
import type { AdminStatsDto } from '../../api/openapi.gen';
import { ProblemAlert, Spinner } from '../../components/ui';
import { formatBytes, formatDate } from '../../lib/format';
import { useLoad } from '../../lib/useLoad';
import { AdminPage } from './AdminNav';
import { UsageAnalytics } from './UsageAnalytics';

/** The counts of one breakdown (per role, per status, per error code): a map of names to numbers. */
function Counts({ title, values }: { title: string; values: object }) {
  const entries = Object.entries(values) as [string, number][];
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
  const stats = useLoad(() => api.get<AdminStatsDto>('/admin/stats'), []);
  const s = stats.data;
  return (
    <AdminPage title="Usage">
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
      <UsageAnalytics />
    </AdminPage>
  );
}
