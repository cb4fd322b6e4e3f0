import { AUDIT_ACTIONS, AUDIT_TARGET } from './audit-catalogue';

describe('audit catalogue', () => {
  it('names every action once, as library.snake_case', () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    for (const action of AUDIT_ACTIONS) expect(action).toMatch(/^[a-z]+\.[a-z_]+$/);
  });

  it('names every target type once, as the admin audit filter accepts it', () => {
    const values = Object.values(AUDIT_TARGET);
    expect(new Set(values).size).toBe(values.length);
    // the filter of GET /admin/audit-events (libs/admin, AuditEventQueryDto)
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_.:-]{1,100}$/);
  });

  it('keeps the stored target types of rows already written', () => {
    // renaming one of these hides the history recorded under it from the admin filter
    expect(AUDIT_TARGET).toEqual({
      user: 'user',
      session: 'session',
      role: 'role',
      job: 'job',
      document: 'Document',
      chatSession: 'ChatSession',
    });
  });
});
