import { AUDIT_TARGET, type AuditAction, type AuditService } from '@docent/audit';
import type { RequestContext } from '@docent/common';

/**
 * For the requests that only learn who the caller is as they succeed (sign-up, sign-in, password
 * reset): from now on the request acts as `userId` (its later audit rows and logs name them), and
 * `action` is recorded as done by them to their own account.
 */
export async function recordOwnAccountAction(
  audit: AuditService,
  context: RequestContext,
  userId: string,
  action: AuditAction,
  metadata?: Record<string, unknown>,
): Promise<void> {
  context.setActor(userId);
  await audit.record({
    action,
    actorId: userId,
    targetType: AUDIT_TARGET.user,
    targetId: userId,
    metadata,
  });
}
