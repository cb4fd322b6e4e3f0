import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { messageOf } from '../../api/errors';
import type { ChannelPreferenceDto, NotificationPreferencesDto } from '../../api/openapi.gen';
import { ProblemAlert, ScrollBox, Spinner, TableHead } from '../../components/ui';
import { useToasts } from '../../lib/toasts';

const TYPE_LABEL: Record<string, string> = {
  'ingestion.completed': 'A document finished processing',
  'ingestion.failed': 'A document could not be processed',
  'document.shared': 'Someone shared a document with you',
  'security.password_changed': 'Your password was changed',
  'security.new_sign_in': 'Someone signed in from a new device',
};

/** Security notices cannot be switched off (the api refuses it): shown checked and disabled. */
const ALWAYS_ON = new Set(['security.password_changed', 'security.new_sign_in']);
const ALWAYS_ON_HINT = 'Security notices are always on';

type PreferenceType = keyof NotificationPreferencesDto;

export function PreferencesPage() {
  const toasts = useToasts();
  const [prefs, setPrefs] = useState<NotificationPreferencesDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .get<NotificationPreferencesDto>('/notifications/preferences')
      .then(setPrefs)
      .catch((e: unknown) => setError(e));
  }, []);

  const toggle = async (type: PreferenceType, channel: 'inApp' | 'email', value: boolean) => {
    const previous = prefs;
    setPrefs((current) =>
      current ? { ...current, [type]: { ...current[type], [channel]: value } } : current,
    );
    try {
      setPrefs(
        await api.put<NotificationPreferencesDto>('/notifications/preferences', {
          [type]: { [channel]: value },
        }),
      );
    } catch (e) {
      setPrefs(previous);
      toasts.show({ tone: 'error', title: 'Could not save', body: messageOf(e) });
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>Notification preferences</h1>
      </header>
      {error ? <ProblemAlert error={error} /> : null}
      {prefs === null && !error ? (
        <Spinner />
      ) : prefs ? (
        <ScrollBox label="Notification preferences">
          <table className="matrix">
            <caption className="visually-hidden">How you are told about each kind of event</caption>
            <TableHead columns={['Event', 'In the app', 'By e-mail']} />
            <tbody>
              {(Object.entries(prefs) as [PreferenceType, ChannelPreferenceDto][]).map(
                ([type, pref]) => {
                  const fixed = ALWAYS_ON.has(type);
                  return (
                    <tr key={type}>
                      <th scope="row">
                        {TYPE_LABEL[type] ?? type}
                        {fixed ? (
                          <small className="muted"> ({ALWAYS_ON_HINT.toLowerCase()})</small>
                        ) : null}
                      </th>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`${TYPE_LABEL[type] ?? type}: in the app`}
                          checked={fixed || pref.inApp}
                          disabled={fixed}
                          title={fixed ? ALWAYS_ON_HINT : undefined}
                          onChange={(e) => void toggle(type, 'inApp', e.target.checked)}
                        />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`${TYPE_LABEL[type] ?? type}: by e-mail`}
                          checked={fixed || pref.email}
                          disabled={fixed}
                          title={fixed ? ALWAYS_ON_HINT : undefined}
                          onChange={(e) => void toggle(type, 'email', e.target.checked)}
                        />
                      </td>
                    </tr>
                  );
                },
              )}
            </tbody>
          </table>
        </ScrollBox>
      ) : null}
    </div>
  );
}
