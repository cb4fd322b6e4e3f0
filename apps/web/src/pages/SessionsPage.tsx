import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { messageOf } from '../api/errors';
import type { SessionDto, SessionListDto } from '../api/openapi.gen';
import {
  fieldErrors,
  ListState,
  PasswordField,
  ProblemAlert,
  ScrollBox,
  TableHead,
  useConfirm,
} from '../components/ui';
import { useAuth } from '../lib/auth';
import { formatDate } from '../lib/format';
import { navigate } from '../lib/router';
import { useToasts } from '../lib/toasts';

export function SessionsPage() {
  const { me, signOut, signOutEverywhere } = useAuth();
  const toasts = useToasts();
  const confirm = useConfirm();
  const [sessions, setSessions] = useState<SessionDto[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      setSessions((await api.get<SessionListDto>('/auth/sessions')).items);
    } catch (e) {
      setError(e);
      setSessions([]);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const end = async (session: SessionDto) => {
    try {
      await api.del(`/auth/sessions/${session.id}`);
      setSessions((current) => current?.filter((s) => s.id !== session.id) ?? current);
    } catch (e) {
      toasts.show({ tone: 'error', title: 'Could not end the session', body: messageOf(e) });
    }
  };

  const everywhere = async () => {
    const ok = await confirm.ask(
      'Sign out everywhere?',
      'Every session of your account ends, this one included.',
      'Sign out everywhere',
    );
    if (!ok) return;
    await signOutEverywhere();
    navigate('/sign-in', { replace: true });
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>Account</h1>
      </header>
      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <p>
          {me?.displayName} &lt;{me?.email}&gt; · role <strong>{me?.role}</strong>
        </p>
      </section>
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Where you are signed in</h2>
        <div className="row-actions">
          <button
            type="button"
            onClick={() => void signOut().then(() => navigate('/sign-in', { replace: true }))}
          >
            Sign out this device
          </button>
          <button type="button" className="danger" onClick={() => void everywhere()}>
            Sign out everywhere
          </button>
        </div>
        <ListState
          error={error}
          items={sessions}
          loading="Loading sessions…"
          empty="No active sessions."
        >
          {(sessions) => (
            <ScrollBox label="Sessions">
              <table>
                <TableHead columns={['Device', 'IP address', 'Signed in', 'Last used']} actions />
                <tbody>
                  {sessions.map((session) => (
                    <tr key={session.id} data-testid="session-row">
                      <th scope="row">
                        {session.userAgent ?? 'Unknown device'}
                        {session.current ? <span className="badge">this device</span> : null}
                      </th>
                      <td>{session.ip ?? '—'}</td>
                      <td>{formatDate(session.createdAt)}</td>
                      <td>{formatDate(session.lastUsedAt)}</td>
                      <td>
                        {session.current ? null : (
                          <button type="button" onClick={() => void end(session)}>
                            End session
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollBox>
          )}
        </ListState>
      </section>
      <ChangePassword />
      {confirm.element}
    </div>
  );
}

function ChangePassword() {
  const toasts = useToasts();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.post('/auth/change-password', { currentPassword, newPassword });
      setCurrent('');
      setNew('');
      toasts.show({
        tone: 'success',
        title: 'Password changed',
        body: 'Your other sessions ended.',
      });
    } catch (e) {
      setError(e);
    }
  };
  const fields = fieldErrors(error);
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <form onSubmit={(e) => void submit(e)} noValidate className="narrow">
        <ProblemAlert error={error} />
        <PasswordField
          label="Current password"
          kind="current"
          value={currentPassword}
          onValue={setCurrent}
          error={fields.currentPassword}
        />
        <PasswordField
          label="New password"
          kind="new"
          value={newPassword}
          onValue={setNew}
          error={fields.newPassword}
        />
        <button type="submit">Change password</button>
      </form>
    </section>
  );
}
