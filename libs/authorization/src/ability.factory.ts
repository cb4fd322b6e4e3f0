import { createMongoAbility, type RawRuleOf } from '@casl/ability';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CACHE, type DocentCache } from '@docent/redis';
import { type AppAbility, OWNER_FIELD, type Subject } from './permissions';
import { RolePermission } from './role-permission.entity';

export type AppRule = RawRuleOf<AppAbility>;

/** A role's rules as stored, with `${user.id}` still a placeholder (shared by all its users). */
export interface StoredRule {
  action: string;
  subject: string;
  own: boolean;
  inverted: boolean;
  conditions: Record<string, unknown> | null;
  fields: string[] | null;
}

/** A stored permission row as a rule (also how the admin api shows a role's rules). */
export function storedRule(row: RolePermission): StoredRule {
  return {
    action: row.action,
    subject: row.subject,
    own: row.own,
    inverted: row.inverted,
    conditions: row.conditions,
    fields: row.fields,
  };
}

const RULES_TTL_MS = 10 * 60_000;
const USER_PLACEHOLDER = '${user.id}';

function substitute(value: unknown, userId: string): unknown {
  if (value === USER_PLACEHOLDER) return userId;
  if (Array.isArray(value)) return value.map((item) => substitute(item, userId));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, substitute(inner, userId)]),
    );
  }
  return value;
}

/** Turns a role's stored rules into the CASL rules of one user. */
export function rulesForUser(stored: StoredRule[], userId: string): AppRule[] {
  return stored.map((rule) => {
    const ownerField = rule.own ? OWNER_FIELD[rule.subject as Subject] : undefined;
    const conditions = {
      ...((substitute(rule.conditions ?? {}, userId) as Record<string, unknown>) ?? {}),
      ...(ownerField ? { [ownerField]: userId } : {}),
    };
    return {
      action: rule.action,
      subject: rule.subject,
      inverted: rule.inverted || undefined,
      conditions: Object.keys(conditions).length > 0 ? conditions : undefined,
      fields: rule.fields ?? undefined,
    } as AppRule;
  });
}

/**
 * The caller's CASL ability, built per request from their role's rules. A role's rules are read
 * from PostgreSQL once and cached in Redis (cache-manager) until the role changes. With Redis
 * down they come from PostgreSQL: cache-manager's `wrap` takes a failing get or set for a miss.
 */
@Injectable()
export class AbilityFactory {
  constructor(
    private readonly em: EntityManager,
    @Inject(CACHE) private readonly cache: DocentCache,
  ) {}

  private key(roleName: string): string {
    return `authz:role-rules:${roleName}`;
  }

  async storedRules(roleName: string): Promise<StoredRule[]> {
    return this.cache.wrap(
      this.key(roleName),
      async () => {
        const rows = await this.em
          .fork()
          .find(
            RolePermission,
            { role: { name: roleName } },
            { orderBy: { position: 'asc', id: 'asc' } },
          );
        return rows.map(storedRule);
      },
      RULES_TTL_MS,
    );
  }

  async rulesFor(user: { id: string; role: string }): Promise<AppRule[]> {
    return rulesForUser(await this.storedRules(user.role), user.id);
  }

  async forUser(user: { id: string; role: string }): Promise<AppAbility> {
    return createMongoAbility<AppAbility>(await this.rulesFor(user));
  }

  /** Call after a role's permissions change: its users get the new rules on their next request. */
  async invalidateRole(roleName: string): Promise<void> {
    await this.cache.del(this.key(roleName));
  }
}
