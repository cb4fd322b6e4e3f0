import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';

export const CLS_IP = 'ip';
export const CLS_USER_AGENT = 'userAgent';
export const CLS_ACTOR = 'actorId';

export interface RequestContextSnapshot {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  actorId: string | null;
}

/**
 * The caller of the current request (or job), read from the async context: request id, client
 * address and agent, and the authenticated user once the guard has run.
 */
@Injectable()
export class RequestContext {
  constructor(private readonly cls: ClsService) {}

  snapshot(): RequestContextSnapshot {
    if (!this.cls.isActive()) return { requestId: null, ip: null, userAgent: null, actorId: null };
    return {
      requestId: this.cls.getId() ?? null,
      ip: this.cls.get<string | null>(CLS_IP) ?? null,
      userAgent: this.cls.get<string | null>(CLS_USER_AGENT) ?? null,
      actorId: this.cls.get<string | null>(CLS_ACTOR) ?? null,
    };
  }

  setActor(userId: string): void {
    if (this.cls.isActive()) this.cls.set(CLS_ACTOR, userId);
  }
}
