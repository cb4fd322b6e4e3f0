import { createMongoAbility, type RawRuleOf } from '@casl/ability';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { roleVersionKey } from '@docent/auth';
import { LruMap } from '@docent/common';
import { CACHE, type DocentCache, REDIS_CLIENT, type RedisClient } from '@docent/redis';
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
const logger = new Logger('Authorization');
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

/** A caller as far as their rules are concerned (see AuthUser.roleVersion). */
export interface RuleSubject {
  id: string;
  role: string;
  roleVersion?: string | null;
}

interface LocalRole {
  version: string | null;
  expiresAt: number;
  stored: StoredRule[];
}

interface LocalCaller {
  rules: AppRule[];
  ability?: AppAbility;
}

/** Callers whose rules and ability are kept in memory (the least recently used go first). */
const MAX_LOCAL_CALLERS = 5_000;

/**
 * The caller's CASL rules and ability. A role's rules are read from PostgreSQL once and cached in
 * Redis (cache-manager) until the role changes; with Redis down they come from PostgreSQL
 * (cache-manager's `wrap` takes a failing get or set for a miss).
 *
 * When the caller's state came with the role's version (`roleVersion`, read in the
 * authentication round trip), the rules come from memory: a role's stored rules, and each recent
 * caller's rules and ability, kept until the version changes (`invalidateRole` bumps it, seen by
 * every api instance on its next request) or for RULES_TTL_MS at most. Without a version (a
 * caller loaded some other way) they come from the Redis cache as before.
 */
@Injectable()
export class AbilityFactory {
  private readonly roles = new Map<string, LocalRole>();
  private readonly callers = new LruMap<string, LocalCaller>(MAX_LOCAL_CALLERS, 'caller_abilities');

  constructor(
    private readonly em: EntityManager,
    @Inject(CACHE) private readonly cache: DocentCache,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
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

  async rulesFor(user: RuleSubject): Promise<AppRule[]> {
    return (
      (await this.local(user))?.rules ?? rulesForUser(await this.storedRules(user.role), user.id)
    );
  }

  async forUser(user: RuleSubject): Promise<AppAbility> {
    const local = await this.local(user);
    if (!local) return createMongoAbility<AppAbility>(await this.rulesFor(user));
    local.ability ??= createMongoAbility<AppAbility>(local.rules);
    return local.ability;
  }

  /**
   * Call after a role's permissions change: its users get the new rules on their next request,
   * on every instance. The cached rules go first, then the version moves: an instance that sees
   * the new version can no longer find the old rules in Redis.
   */
  async invalidateRole(roleName: string): Promise<void> {
    this.roles.delete(roleName);
    await this.cache.del(this.key(roleName));
    try {
      await this.redis.incr(roleVersionKey(roleName));
    } catch (error) {
      // the change is saved; other instances pick it up when their copy expires (RULES_TTL_MS),
      // as they would pick up a Redis cache entry that could not be deleted
      logger.warn(
        `role ${roleName}: rules version not bumped (${error instanceof Error ? error.message : String(error)}); other instances keep the old rules for up to ${RULES_TTL_MS / 60_000} minutes`,
      );
    }
  }

  /** The caller's rules (and ability, once built) from memory; undefined without a version. */
  private async local(user: RuleSubject): Promise<LocalCaller | undefined> {
    if (user.roleVersion === undefined) return undefined;
    const version = user.roleVersion;
    const now = Date.now();
    let role = this.roles.get(user.role);
    if (!role || role.version !== version || role.expiresAt <= now) {
      const stored = await this.storedRules(user.role);
      role = { version, expiresAt: now + RULES_TTL_MS, stored };
      this.roles.set(user.role, role);
    }
    const key = `${user.role}\n${version ?? ''}\n${role.expiresAt}\n${user.id}`;
    const { stored } = role;
    return this.callers.getOrSet(key, () => ({ rules: rulesForUser(stored, user.id) }));
  }
}
