import { useState } from 'react';
import { api } from '../../api/client';
import { messageOf } from '../../api/errors';
import type { JobDto, JobPageDto, QueueListDto } from '../../api/openapi.gen';
import { ListState, ProblemAlert, ScrollBox, Spinner, TableHead } from '../../components/ui';
import { useLoad } from '../../lib/useLoad';
import { useToasts } from '../../lib/toasts';
import { AdminPage } from './AdminNav';

export function AdminQueuesPage() {
  const toasts = useToasts();
  const queues = useLoad(() => api.get<QueueListDto>('/admin/queues'), []);
  const [openQueue, setOpenQueue] = useState<string | null>(null);
  const [jobs, setJobs] = useState<JobDto[] | null>(null);

  const showFailed = async (name: string) => {
    setOpenQueue(name);
    setJobs(null);
    try {
      setJobs(
        (
          await api.get<JobPageDto>(`/admin/queues/${name}/jobs`, {
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
    <AdminPage
      title="Queues"
      actions={
        <button type="button" onClick={() => void queues.reload()}>
          Refresh
        </button>
      }
    >
      {queues.error ? <ProblemAlert error={queues.error} /> : null}
      {!queues.data ? (
        queues.error ? null : (
          <Spinner label="Loading queues…" />
        )
      ) : (
        <ScrollBox label="Queues">
          <table>
            <TableHead
              columns={['Queue', 'waiting', 'active', 'delayed', 'failed', 'completed']}
              actions
            />
            <tbody>
              {queues.data.items.map((queue) => (
                <tr key={queue.name}>
                  <th scope="row">
                    {queue.name}
                    {queue.isPaused ? <span className="badge">paused</span> : null}
                  </th>
                  {(['waiting', 'active', 'delayed', 'failed', 'completed'] as const).map(
                    (state) => (
                      <td key={state}>{queue.counts[state] ?? 0}</td>
                    ),
                  )}
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
        </ScrollBox>
      )}
      {openQueue ? (
        <section aria-label={`Failed jobs of ${openQueue}`}>
          <h2>Failed jobs: {openQueue}</h2>
          <ListState items={jobs} empty="No failed jobs.">
            {(jobs) => (
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
          </ListState>
        </section>
      ) : null}
    </AdminPage>
  );
}
