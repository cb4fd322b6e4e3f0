import { api } from '../../api/client';
import type {
  PermissionCatalogueDto,
  PermissionCatalogueEntryDto,
  RoleDto,
  RoleListDto,
  RoleRuleDto,
} from '../../api/openapi.gen';
import { ProblemAlert, Spinner } from '../../components/ui';
import { useLoad } from '../../lib/useLoad';
import { AdminPage } from './AdminNav';

export function AdminRolesPage() {
  const roles = useLoad(() => api.get<RoleListDto>('/admin/roles'), []);
  const catalogue = useLoad(() => api.get<PermissionCatalogueDto>('/admin/permissions'), []);
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
    <AdminPage title="Roles and permissions">
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
    </AdminPage>
  );
}
