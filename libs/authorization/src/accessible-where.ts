import type { AppAbility, Action, Subject } from './permissions';

export type Where = Record<string, unknown>;

/**
 * The caller's rules for `action` on `subject` as a MikroORM filter, so list queries are filtered
 * in SQL. CASL conditions are a MongoDB-query subset and MikroORM speaks the same operators
 * ($eq, $ne, $in, $and, $or, $not…). Mirrors CASL's own precedence: rules are visited from the
 * strongest; an unconditional "cannot" ends the search, an unconditional "can" allows everything
 * the stronger "cannot"s have not excluded. Returns null when nothing is allowed.
 */
export function accessibleWhere(
  ability: AppAbility,
  action: Action,
  subject: Subject,
): Where | null {
  const allowed: Where[] = [];
  const excluded: Where[] = [];
  for (const rule of ability.rulesFor(action, subject)) {
    if (rule.inverted) {
      if (!rule.conditions) break;
      excluded.push({ $not: rule.conditions as Where });
      continue;
    }
    const conditions = (rule.conditions as Where | undefined) ?? {};
    allowed.push(excluded.length > 0 ? { $and: [conditions, ...excluded] } : conditions);
    if (!rule.conditions) break;
  }
  if (allowed.length === 0) return null;
  return allowed.length === 1 ? allowed[0] : { $or: allowed };
}
