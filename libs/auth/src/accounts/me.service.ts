import { Inject, Injectable, Optional } from '@nestjs/common';
import { packRules } from '@casl/ability/extra';
import { AUDIT_TARGET, AuditService } from '@docent/audit';
import { type AuthUser, PERMISSIONS_PROVIDER, type PermissionsProvider } from '../auth.constants';
import { sessionNotFound } from '../auth.errors';
import { type MeDto, SessionDto, type SessionListDto } from '../dto/auth-response.dto';
import { SessionService } from '../sessions/session.service';

type PackableRules = Parameters<typeof packRules>[0];

/** Packed forms of rule lists the provider keeps in memory (the same array for the same caller). */
const packed = new WeakMap<object[], unknown[][]>();

function packedRulesOf(rules: object[]): unknown[][] {
  let result = packed.get(rules);
  if (!result) {
    result = packRules(rules as PackableRules);
    packed.set(rules, result);
  }
  return result;
}

/** The signed-in caller's own account: who they are, what they may do, where they are signed in. */
@Injectable()
export class MeService {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    @Optional()
    @Inject(PERMISSIONS_PROVIDER)
    private readonly permissions: PermissionsProvider | null = null,
  ) {}

  /** The caller from the state the guard read from Redis, with their CASL rules (cached per role). */
  async me(caller: AuthUser): Promise<MeDto> {
    const rules = (await this.permissions?.rulesFor(caller)) ?? [];
    return {
      id: caller.id,
      email: caller.email,
      displayName: caller.displayName,
      role: caller.role,
      permissions: rules as MeDto['permissions'],
      packedRules: packedRulesOf(rules),
      createdAt: caller.createdAt,
    };
  }

  async listSessions(caller: AuthUser): Promise<SessionListDto> {
    const sessions = await this.sessions.listActive(caller.id);
    return { items: sessions.map((s) => SessionDto.from(s, caller.sessionId)), nextCursor: null };
  }

  async endSession(caller: AuthUser, sessionId: string): Promise<void> {
    // another user's session is "not found", never "forbidden"
    const session = await this.sessions.findActive(sessionId, caller.id);
    if (!session) throw sessionNotFound();
    await this.sessions.revoke({ sessionId: session.id }, 'ended_by_user');
    await this.audit.record({
      action: 'auth.session_ended',
      targetType: AUDIT_TARGET.session,
      targetId: session.id,
    });
  }
}
