import { OptionalProps } from '@mikro-orm/core';
import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '@docent/common';

export type AuditOutcome = 'success' | 'failure' | 'denied';

/**
 * One append-only audit entry. Actor and target are plain ids, not foreign keys, so entries
 * outlive the users and documents they mention. A database trigger refuses UPDATE and DELETE.
 */
@Entity({ tableName: 'audit_events' })
@Index({ name: 'audit_events_occurred_at_idx', properties: ['occurredAt', 'id'] })
@Index({ name: 'audit_events_actor_idx', properties: ['actorId', 'occurredAt'] })
@Index({ name: 'audit_events_target_idx', properties: ['targetType', 'targetId', 'occurredAt'] })
@Index({ name: 'audit_events_action_idx', properties: ['action', 'occurredAt'] })
export class AuditEvent {
  [OptionalProps]?:
    | 'id'
    | 'occurredAt'
    | 'actorId'
    | 'targetType'
    | 'targetId'
    | 'outcome'
    | 'ip'
    | 'userAgent'
    | 'requestId'
    | 'metadata';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'timestamptz' })
  occurredAt: Date = new Date();

  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text', nullable: true })
  targetType: string | null = null;

  @Property({ type: 'text', nullable: true })
  targetId: string | null = null;

  @Enum({ items: ['success', 'failure', 'denied'], default: 'success' })
  outcome: AuditOutcome = 'success';

  @Property({ type: 'text', nullable: true })
  ip: string | null = null;

  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'text', nullable: true })
  requestId: string | null = null;

  @Property({ type: 'jsonb', default: '{}' })
  metadata: Record<string, unknown> = {};
}
