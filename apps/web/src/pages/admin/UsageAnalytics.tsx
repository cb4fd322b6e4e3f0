import { type FormEvent, useMemo, useState } from 'react';
import { api } from '../../api/client';
import type { UsageReportDto } from '../../api/openapi.gen';
import { LineChart } from '../../components/LineChart';
import {
  Field,
  fieldErrors,
  ProblemAlert,
  ScrollBox,
  Spinner,
  TableHead,
} from '../../components/ui';
import { formatBytes } from '../../lib/format';
import { useLoad } from '../../lib/useLoad';

type Grouping = UsageReportDto['groupBy'];
interface UsageWindow {
  from: string;
  to: string;
  groupBy: Grouping;
}

const DAY_MS = 86_400_000;
const day = (at: number) => new Date(at).toISOString().slice(0, 10);

function defaultWindow(): UsageWindow {
  const now = Date.now();
  return { from: day(now - 29 * DAY_MS), to: day(now), groupBy: 'day' };
}

/** The window form: from/to days and the grouping; applied on submit, errors next to the field. */
function WindowForm({
  value,
  onApply,
  error,
}: {
  value: UsageWindow;
  onApply: (next: UsageWindow) => void;
  error: unknown;
}) {
  const [draft, setDraft] = useState(value);
  const errors = fieldErrors(error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Usage window">
      <Field
        label="From"
        type="date"
        value={draft.from}
        required
        error={errors.from}
        onChange={(e) => setDraft({ ...draft, from: e.target.value })}
      />
      <Field
        label="To"
        type="date"
        value={draft.to}
        required
        error={errors.to}
        onChange={(e) => setDraft({ ...draft, to: e.target.value })}
      />
      <div className="field">
        <label htmlFor="usage-group">Group by</label>
        <select
          id="usage-group"
          value={draft.groupBy}
          onChange={(e) => setDraft({ ...draft, groupBy: e.target.value as Grouping })}
        >
          <option value="day">Day</option>
          <option value="week">Week</option>
          <option value="month">Month</option>
        </select>
      </div>
      <button type="submit">Show</button>
    </form>
  );
}

/**
 * Usage analytics (GET /admin/usage): feature use and active people over a window of days as
 * lines, DAU/WAU/MAU, the most active people and the ingestion failures of the window.
 */
export function UsageAnalytics() {
  const [span, setSpan] = useState<UsageWindow>(defaultWindow);
  const report = useLoad(
    () => api.get<UsageReportDto>('/admin/usage', { ...span }),
    [span.from, span.to, span.groupBy],
  );
  const r = report.data;
  const days = useMemo(() => r?.series.map((p) => p.period) ?? [], [r]);
  const features = useMemo(
    () =>
      r
        ? [
            { label: 'Questions', values: r.series.map((p) => p.questions) },
            { label: 'Searches', values: r.series.map((p) => p.searches) },
            { label: 'Uploads', values: r.series.map((p) => p.uploads) },
            { label: 'Sign-ins', values: r.series.map((p) => p.signIns) },
            { label: 'Shares', values: r.series.map((p) => p.shares) },
            { label: 'Exports', values: r.series.map((p) => p.exports) },
          ]
        : [],
    [r],
  );
  const active = useMemo(
    () => (r ? [{ label: 'Active people', values: r.series.map((p) => p.activeUsers) }] : []),
    [r],
  );
  // from the report shown (not the form), so titles and figures always agree while a new one loads
  const per = `per ${r?.groupBy ?? span.groupBy}`;

  return (
    <section aria-labelledby="usage-analytics" className="usage">
      <h2 id="usage-analytics">Activity</h2>
      <WindowForm value={span} onApply={setSpan} error={report.error} />
      {report.error ? <ProblemAlert error={report.error} /> : null}
      {!r ? (
        report.error ? null : (
          <Spinner label="Loading usage…" />
        )
      ) : (
        <>
          <div className="cards">
            <div className="card">
              <h3>Daily active</h3>
              <p className="big">{r.activeUsers.daily}</p>
              <p className="muted">on {r.activeUsers.asOf} (DAU)</p>
            </div>
            <div className="card">
              <h3>Weekly active</h3>
              <p className="big">{r.activeUsers.weekly}</p>
              <p className="muted">7 days to {r.activeUsers.asOf} (WAU)</p>
            </div>
            <div className="card">
              <h3>Monthly active</h3>
              <p className="big">{r.activeUsers.monthly}</p>
              <p className="muted">30 days to {r.activeUsers.asOf} (MAU)</p>
            </div>
            <div className="card">
              <h3>In the window</h3>
              <p className="big">{r.totals.questions}</p>
              <p className="muted">
                questions · {r.totals.answerTokens} answer tokens · {r.totals.uploads} uploads (
                {formatBytes(r.totals.bytesIngested)})
              </p>
            </div>
          </div>
          <div className="charts">
            <LineChart
              key={`features-${per}`}
              title={`Feature use ${per}`}
              days={days}
              series={features}
            />
            <LineChart
              key={`active-${per}`}
              title={`Active people ${per}`}
              days={days}
              series={active}
            />
          </div>
          <div className="cards">
            <div className="card wide">
              <h3 id="usage-top">Most active people</h3>
              {r.topUsers.length === 0 ? (
                <p className="muted">Nobody used Docent in this window.</p>
              ) : (
                <ScrollBox label="Most active people">
                  <table aria-labelledby="usage-top">
                    <TableHead
                      columns={['Person', 'Days', 'Questions', 'Searches', 'Uploads', 'Sign-ins']}
                    />
                    <tbody>
                      {r.topUsers.map((user) => (
                        <tr key={user.userId}>
                          <th scope="row">{user.displayName}</th>
                          <td>{user.activeDays}</td>
                          <td>{user.questions}</td>
                          <td>{user.searches}</td>
                          <td>{user.uploads}</td>
                          <td>{user.signIns}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollBox>
              )}
            </div>
            <div className="card">
              <h3>Ingestion failures</h3>
              {r.failuresByCode.length === 0 ? (
                <p className="muted">No document failed in this window.</p>
              ) : (
                <dl>
                  {r.failuresByCode.map((failure) => (
                    <div key={failure.code}>
                      <dt>{failure.code}</dt>
                      <dd>{failure.count}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
