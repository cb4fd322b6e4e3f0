import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError } from '../../api/errors';
import type {
  PermissionCatalogueDto,
  PermissionCatalogueEntryDto,
  RoleDto,
  RoleListDto,
  RoleRuleDto,
} from '../../api/openapi.gen';
import {
  Field,
  ProblemAlert,
  ScrollBox,
  Spinner,
  TableHead,
  useConfirm,
} from '../../components/ui';
import { useLoad } from '../../lib/useLoad';
import { useToasts } from '../../lib/toasts';
import { AdminPage } from './AdminNav';
import { describeProblem, problemSentence } from './adminErrors';

/** What each subject of the catalogue is, for the row headers of the matrix. */
const SUBJECT_NOTE: Record<string, string> = {
  Document: 'uploaded files',
  ChatSession: 'chats',
  Notification: 'notifications',
  User: 'user accounts',
  Role: 'roles',
  AuditEvent: 'audit log',
  Queue: 'job queues',
  Stats: 'usage figures',
};

const ROLE_NAME_HINT =
  '2–48 characters: a lower-case letter first, then lower-case letters, digits, "-" or "_".';

const key = (action: string, subject: string) => `${action} ${subject}`;
const unique = (values: string[]) => [...new Set(values)];

/** The permissions ticked in the editor: "<action> <subject>" → own only. */
type Grants = Map<string, boolean>;

/** Subjects as rows, actions as columns; a checkbox per catalogue entry, "own only" where ownable. */
function PermissionMatrix({
  catalogue,
  grants,
  onChange,
}: {
  catalogue: PermissionCatalogueEntryDto[];
  grants: Grants;
  onChange: (grants: Grants) => void;
}) {
  const subjects = unique(catalogue.map((entry) => entry.subject));
  const actions = unique(catalogue.map((entry) => entry.action));
  const entryOf = (action: string, subject: string) =>
    catalogue.find((entry) => entry.action === action && entry.subject === subject);
  const set = (name: string, value: boolean | undefined) => {
    const next = new Map(grants);
    if (value === undefined) next.delete(name);
    else next.set(name, value);
    onChange(next);
  };
  return (
    <ScrollBox label="Permission matrix">
      <table className="matrix role-matrix">
        <caption>
          Tick what the role may do. “Own only” limits a permission to the user’s own records.
        </caption>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            {actions.map((action) => (
              <th scope="col" key={action}>
                {action}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {subjects.map((subject) => (
            <tr key={subject}>
              <th scope="row">
                {subject}
                {SUBJECT_NOTE[subject] ? (
                  <small className="muted"> {SUBJECT_NOTE[subject]}</small>
                ) : null}
              </th>
              {actions.map((action) => {
                const entry = entryOf(action, subject);
                if (!entry) {
                  return (
                    <td key={action}>
                      <span aria-hidden="true" className="muted">
                        —
                      </span>
                      <span className="visually-hidden">not available</span>
                    </td>
                  );
                }
                const name = key(action, subject);
                const granted = grants.has(name);
                return (
                  <td key={action}>
                    <input
                      type="checkbox"
                      aria-label={name}
                      checked={granted}
                      onChange={(e) => set(name, e.target.checked ? false : undefined)}
                    />
                    {entry.ownable ? (
                      <label className="own-only">
                        <input
                          type="checkbox"
                          aria-label={`${action}: own ${subject} only`}
                          checked={grants.get(name) === true}
                          disabled={!granted}
                          onChange={(e) => set(name, e.target.checked)}
                        />
                        <span aria-hidden="true">own only</span>
                      </label>
                    ) : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

/** A matrix cell: a sign for the eye, words for screen readers. */
function Mark({ shown, said }: { shown: string; said: string }) {
  return (
    <>
      <span aria-hidden="true">{shown}</span>
      <span className="visually-hidden">{said}</span>
    </>
  );
}

/** Creates a custom role (`role` absent) or edits one: name, description, permissions. */
function RoleEditor({
  role,
  catalogue,
  onSaved,
  onClose,
}: {
  role: RoleDto | null;
  catalogue: PermissionCatalogueEntryDto[];
  onSaved: (role: RoleDto, created: boolean) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [grants, setGrants] = useState<Grants>(
    () => new Map((role?.permissions ?? []).map((p) => [key(p.action, p.subject), p.own])),
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const descriptionId = useId();

  useEffect(() => {
    heading.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const permissions = catalogue
      .filter((entry) => grants.has(key(entry.action, entry.subject)))
      .map((entry) => ({
        action: entry.action,
        subject: entry.subject,
        own: grants.get(key(entry.action, entry.subject)) === true,
      }));
    setBusy(true);
    setError(null);
    try {
      const saved = role
        ? await api.patch<RoleDto>(`/admin/roles/${role.id}`, {
            ...(name !== role.name ? { name } : {}),
            description,
            permissions,
          })
        : await api.post<RoleDto>('/admin/roles', { name, description, permissions });
      onSaved(saved, role === null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const { message, fields } = describeProblem(error);
  // which permissions a refusal is about, in the api's words (e.g. the ones the admin lacks)
  const permissionNotes =
    error instanceof ApiError
      ? Object.entries(error.fields)
          .filter(([field]) => field.startsWith('permissions'))
          .map(([, text]) => text)
      : [];
  const title = role ? `Edit role ${role.name}` : 'New role';
  return (
    <section
      className="role-editor"
      aria-label={title}
      onKeyDown={(event) => {
        // Escape discards, as it closes the dialogs
        if (event.key === 'Escape') onClose();
      }}
    >
      <h2 ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {error && message ? (
          <div role="alert" className="alert alert-error">
            {message}
            {permissionNotes.length > 0 ? (
              <ul>
                {permissionNotes.map((note) => (
                  <li key={note}>{note}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        <Field
          label="Role name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name}
          hint={ROLE_NAME_HINT}
          autoComplete="off"
          required
        />
        <div className="field">
          <label htmlFor={descriptionId}>Description</label>
          <textarea
            id={descriptionId}
            rows={2}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            aria-invalid={fields.description ? true : undefined}
            aria-describedby={fields.description ? `${descriptionId}-error` : undefined}
          />
          {fields.description ? (
            <small id={`${descriptionId}-error`} className="field-error">
              {fields.description}
            </small>
          ) : null}
        </div>
        <fieldset>
          <legend>Permissions</legend>
          <PermissionMatrix catalogue={catalogue} grants={grants} onChange={setGrants} />
        </fieldset>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Discard changes
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {role ? 'Save role' : 'Create role'}
          </button>
        </div>
      </form>
    </section>
  );
}

export function AdminRolesPage() {
  const toasts = useToasts();
  const confirm = useConfirm();
  const roles = useLoad(() => api.get<RoleListDto>('/admin/roles', { limit: 100 }), []);
  const catalogue = useLoad(() => api.get<PermissionCatalogueDto>('/admin/permissions'), []);
  /** the role being edited; `'new'` for a new one */
  const [editing, setEditingState] = useState<RoleDto | 'new' | null>(null);
  /** the button that opened the editor: the focus goes back to it when the editor closes */
  const opener = useRef<HTMLElement | null>(null);
  const setEditing = (next: RoleDto | 'new' | null) => {
    if (next === null) {
      const back = opener.current;
      opener.current = null;
      setTimeout(() => (back?.isConnected ? back : null)?.focus(), 0);
    } else if (!opener.current) {
      opener.current =
        document.activeElement instanceof HTMLElement ? document.activeElement : null;
    }
    setEditingState(next);
  };
  const error = roles.error ?? catalogue.error;

  const saved = (role: RoleDto, created: boolean) => {
    roles.setData(
      (list) =>
        list && {
          ...list,
          items: created
            ? [...list.items, role]
            : list.items.map((item) => (item.id === role.id ? role : item)),
        },
    );
    setEditing(null);
    toasts.show({ tone: 'success', title: `${created ? 'Created' : 'Saved'} role ${role.name}` });
  };

  const remove = async (role: RoleDto) => {
    const ok = await confirm.ask(
      `Delete role ${role.name}?`,
      'Nobody can be given this role any more. A role that users still have cannot be deleted: give them another role first.',
      'Delete role',
    );
    if (!ok) return;
    try {
      await api.del(`/admin/roles/${role.id}`);
      roles.setData(
        (list) => list && { ...list, items: list.items.filter((item) => item.id !== role.id) },
      );
      if (editing !== 'new' && editing?.id === role.id) setEditing(null);
      toasts.show({ tone: 'success', title: `Deleted role ${role.name}` });
    } catch (e) {
      toasts.show({
        tone: 'error',
        title: `Could not delete role ${role.name}`,
        body: problemSentence(e),
      });
    }
  };

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
    if (granted.length === 0) return <Mark shown="—" said="not granted" />;
    const own = granted.every((rule) => rule.own);
    const label = own
      ? 'granted on own resources'
      : limited
        ? 'granted, with exceptions'
        : 'granted';
    return <Mark shown={own ? '✓ own' : limited ? '✓ (limited)' : '✓'} said={label} />;
  };

  const ready = roles.data && catalogue.data;
  return (
    <AdminPage
      title="Roles and permissions"
      actions={
        ready ? (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            New role
          </button>
        ) : null
      }
    >
      {error ? <ProblemAlert error={error} /> : null}
      {!roles.data || !catalogue.data ? (
        error ? null : (
          <Spinner label="Loading roles…" />
        )
      ) : (
        <>
          {editing ? (
            <RoleEditor
              key={editing === 'new' ? 'new' : editing.id}
              role={editing === 'new' ? null : editing}
              catalogue={catalogue.data.items}
              onSaved={saved}
              onClose={() => setEditing(null)}
            />
          ) : null}
          <ScrollBox label="Roles">
            <table className="roles">
              <TableHead columns={['Role', 'Description', 'Kind']} actions />
              <tbody>
                {roles.data.items.map((role) => (
                  <tr key={role.id} data-testid="role-row">
                    <th scope="row">{role.name}</th>
                    <td>{role.description || <span className="muted">No description</span>}</td>
                    <td>{role.builtIn ? 'Built-in' : 'Custom'}</td>
                    <td className="row-actions">
                      {role.builtIn ? (
                        <span className="muted">Read-only</span>
                      ) : (
                        <>
                          <button
                            type="button"
                            onClick={() => setEditing(role)}
                            aria-label={`Edit role ${role.name}`}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            className="danger"
                            onClick={() => void remove(role)}
                            aria-label={`Delete role ${role.name}`}
                          >
                            Delete
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
          <h2>Permissions by role</h2>
          <ScrollBox label="Permissions by role">
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
          </ScrollBox>
        </>
      )}
      {confirm.element}
    </AdminPage>
  );
}
