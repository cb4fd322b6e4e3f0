import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditService } from '@docent/audit';
import { type AuthUser, normalizeEmail, User } from '@docent/auth';
import { AbilityFactory, type AppAbility } from '@docent/authorization';
import { DomainEventBus } from '@docent/common';
import { REDIS_CLIENT, type RedisClient } from '@docent/redis';
import type { Document } from './entities/document.entity';
import type { SharePermission } from './entities/document-share.entity';
import { DocumentAccess } from './access/document-access';
import { DocumentShareRepository } from './document-share.repository';
import {
  cannotShareWithOwner,
  forbidden,
  permissionNotAllowedForRole,
  shareNotFound,
  shareRateLimited,
  shareTargetNotFound,
  shareTargetRequired,
} from './documents.errors';
import {
  type CreateShareDto,
  ShareDto,
  type ShareListDto,
  type ShareRequestedDto,
} from './dto/share.dto';

/** Share requests (and so share notifications) one user may send per hour window. */
export const SHARE_REQUESTS_PER_HOUR = 50;
const SHARE_WINDOW_MS = 3_600_000;
/**
 * A share by e-mail answers no sooner than this after its checks start, whether the address has
 * an account or not: the work for a known address (share, audit, notification) takes a few
 * milliseconds, so both answers land in the same timing class.
 */
export const SHARE_BY_EMAIL_MIN_MS = 200;

/**
 * Counts one request in the sender's window (started by the first one) and returns the count
 * and the window's remaining milliseconds. One key, so it also runs on Redis Cluster.
 */
const COUNT_SHARE_REQUEST = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

interface ShareBudgetCommands {
  docentShareRequest(key: string, windowMs: number): Promise<[number, number]>;
}

/** What a share by user id did: 201 for a new share, 200 for a changed or repeated one. */
export interface ShareOutcome {
  kind: 'share';
  share: ShareDto;
  /** True when the share is new (201), false when an existing share was updated (200). */
  created: boolean;
}

/** A share by e-mail: always 202 with the same body, whatever became of it. */
export interface ShareRequestOutcome {
  kind: 'requested';
  request: ShareRequestedDto;
}

/** Why a share by e-mail created nothing (audited, never told to the caller). */
type RefusalReason = 'no_account' | 'owner' | 'permission_not_allowed_for_role';

/**
 * Shares of a document (SPEC §6): only callers whose ability lets them `share` the document
 * (its owner, an admin) manage them. Callers who cannot read the document get 404; those who can
 * read it but not share it get 403. Creating a share, or changing its permission, emits
 * `document.shared` on the DomainEventBus (re-sending the same permission does not).
 *
 * Shares by e-mail reveal nothing about the address: known or not, the answer is 202 with the
 * same body after the same minimum time; an address without an account (or one that cannot
 * take the share) gets no share and no mail, and the refusal is only audited. Every share
 * request counts against the sender's hourly budget (429 beyond it), which bounds both the mail
 * one user can cause and how many addresses they can try.
 */
@Injectable()
export class SharesService implements OnModuleInit {
  constructor(
    private readonly em: EntityManager,
    private readonly access: DocumentAccess,
    private readonly shares: DocumentShareRepository,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditService,
    private readonly events: DomainEventBus,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  onModuleInit(): void {
    if (!('docentShareRequest' in this.redis)) {
      this.redis.defineCommand('docentShareRequest', { numberOfKeys: 1, lua: COUNT_SHARE_REQUEST });
    }
  }

  async list(caller: AuthUser, ability: AppAbility, documentId: string): Promise<ShareListDto> {
    await this.loadManageable(caller, ability, documentId);
    const shares = await this.shares.list(documentId);
    return { items: shares.map((share) => ShareDto.from(share)) };
  }

  async share(
    caller: AuthUser,
    ability: AppAbility,
    documentId: string,
    body: CreateShareDto,
  ): Promise<ShareOutcome | ShareRequestOutcome> {
    if ((body.userId === undefined) === (body.email === undefined)) {
      throw shareTargetRequired();
    }
    const em = this.em.fork();
    const document = await this.loadManageable(caller, ability, documentId);
    await this.takeShareBudget(caller);
    if (body.email !== undefined) return this.shareByEmail(em, caller, document, body.email, body);

    const target = await em.findOne(User, { id: body.userId! }, { populate: ['role'] });
    if (!target) {
      throw shareTargetNotFound();
    }
    if (target.id === document.owner.id || target.id === caller.id) throw cannotShareWithOwner();
    if (body.permission === 'write' && !(await this.mayWrite(target))) {
      throw permissionNotAllowedForRole();
    }
    const created = await this.grant(caller, document, target, body.permission);
    const share = await this.shares.find(documentId, target.id, true);
    if (!share) throw shareNotFound(); // removed again meanwhile
    return { kind: 'share', share: ShareDto.from(share), created };
  }

  /**
   * By e-mail: the same answer for every address. Only the caller's own address is refused
   * outright (they know it is theirs); the rest is decided, audited and padded to
   * SHARE_BY_EMAIL_MIN_MS.
   */
  private async shareByEmail(
    em: EntityManager,
    caller: AuthUser,
    document: Document,
    rawEmail: string,
    body: CreateShareDto,
  ): Promise<ShareRequestOutcome> {
    const email = normalizeEmail(rawEmail);
    if (email === normalizeEmail(caller.email)) throw cannotShareWithOwner();
    const started = Date.now();
    const target = await em.findOne(User, { email }, { populate: ['role'] });
    const refusal: RefusalReason | null = !target
      ? 'no_account'
      : target.id === document.owner.id
        ? 'owner'
        : body.permission === 'write' && !(await this.mayWrite(target))
          ? 'permission_not_allowed_for_role'
          : null;
    if (target && refusal === null) {
      await this.grant(caller, document, target, body.permission);
    } else {
      await this.audit.record({
        action: 'document.share_refused',
        outcome: 'denied',
        targetType: 'Document',
        targetId: document.id,
        metadata: { email, permission: body.permission, reason: refusal },
      });
    }
    const wait = started + SHARE_BY_EMAIL_MIN_MS - Date.now();
    if (wait > 0) await sleep(wait);
    return { kind: 'requested', request: { email, permission: body.permission } };
  }

  /** Creates or updates the share, audits it, and tells the sharee when something changed. */
  private async grant(
    caller: AuthUser,
    document: Document,
    target: User,
    permission: SharePermission,
  ): Promise<boolean> {
    const { created, before } = await this.shares.upsert(document.id, target.id, permission);
    await this.audit.record({
      action: 'document.shared',
      targetType: 'Document',
      targetId: document.id,
      metadata: { userId: target.id, before: before ?? null, after: permission },
    });
    if (before !== permission) {
      // a new share or a changed permission: the notifications library tells the sharee
      await this.events.emit('document.shared', {
        documentId: document.id,
        filename: document.filename,
        ownerId: document.owner.id,
        userId: target.id,
        permission,
        sharedBy: { id: caller.id, displayName: caller.displayName ?? null, email: caller.email },
      });
    }
    return created;
  }

  /**
   * One request from the sender's hourly budget, counted before anything is looked up (so the
   * limit cannot tell known addresses from unknown ones); 429 once it is spent.
   */
  private async takeShareBudget(caller: AuthUser): Promise<void> {
    const [count, ttlMs] = await (
      this.redis as RedisClient & ShareBudgetCommands
    ).docentShareRequest(`shares:requests:{${caller.id}}`, SHARE_WINDOW_MS);
    if (count > SHARE_REQUESTS_PER_HOUR) {
      throw shareRateLimited(SHARE_REQUESTS_PER_HOUR, Math.max(1, Math.ceil(ttlMs / 1000)));
    }
  }

  async unshare(
    caller: AuthUser,
    ability: AppAbility,
    documentId: string,
    userId: string,
  ): Promise<void> {
    await this.loadManageable(caller, ability, documentId);
    const existing = await this.shares.find(documentId, userId);
    if (!existing) throw shareNotFound();
    const removed = await this.shares.delete(documentId, userId);
    if (removed === 0) throw shareNotFound();
    await this.audit.record({
      action: 'document.unshared',
      targetType: 'Document',
      targetId: documentId,
      metadata: { userId, before: existing.permission },
    });
  }

  /** Whether the target's role may change documents at all (viewers only read). */
  private async mayWrite(target: User): Promise<boolean> {
    const ability = await this.abilities.forUser({ id: target.id, role: target.role.name });
    return ability.can('update', 'Document');
  }

  /** 404 when the caller cannot read the document, 403 when they can but may not share it. */
  private async loadManageable(
    caller: AuthUser,
    ability: AppAbility,
    documentId: string,
  ): Promise<Document> {
    const access = await this.access.loadReadable(caller, ability, documentId);
    if (!this.access.mayShare(ability, access)) {
      throw forbidden('Only the owner of the document or an admin may manage its shares.');
    }
    return access.document;
  }
}
