import { Injectable, Logger } from '@nestjs/common';

/**
 * In-process domain events: the library where something happens emits, the libraries that react
 * (notifications, sockets, mail) subscribe, so no domain library imports the ones that react to
 * it. Payloads carry ids and plain values only.
 *
 * Handlers run in the emitting process and are awaited: the worker's pipeline, for instance,
 * waits until the completion notification is stored. A failing handler is logged and does not
 * stop the others or the emitter.
 */
export interface DomainEvents {
  /** Worker: a document's ingestion moved (monotonic `progress`). */
  'ingestion.progress': {
    documentId: string;
    ownerId: string;
    status: string;
    stage: string;
    progress: number;
  };
  /** Worker: a document finished. */
  'ingestion.completed': IngestionOutcome;
  /** Worker: a document failed for good (`error` is what the document stores). */
  'ingestion.failed': IngestionOutcome & { error: { code: string; message: string } };
  /** Api: files of one upload request were accepted (usage analytics). */
  'documents.uploaded': { userId: string; batchId: string; files: number; bytes: number };
  /** Api: a document was shared with `userId` (created or permission changed). */
  'document.shared': {
    documentId: string;
    filename: string;
    ownerId: string;
    userId: string;
    permission: 'read' | 'write';
    sharedBy: { id: string; displayName: string | null; email: string };
  };
  /** Api: a password was changed (by the user) or reset (by link). */
  'security.password_changed': { userId: string; via: 'change' | 'reset'; ip: string | null };
  /**
   * Api: a login from a device (network and coarse user agent, e.g. "Firefox on Windows") the
   * user has not signed in from recently; never for an account's first login. `at` is ISO-8601.
   */
  'security.new_sign_in': { userId: string; ip: string | null; device: string; at: string };
  /** Api: a session ended (logout, revoke, token reuse, password change). */
  'session.ended': { userId: string; sessionId: string };
  /** Api: every session of a user ended (logout everywhere, disabled, deleted). */
  'user.sessions_ended': {
    userId: string;
    reason: 'logout_all' | 'disabled' | 'deleted' | 'password_changed';
  };
}

export interface IngestionOutcome {
  documentId: string;
  ownerId: string;
  batchId: string;
  filename: string;
}

export type DomainEventName = keyof DomainEvents;
export type DomainEventHandler<E extends DomainEventName> = (
  payload: DomainEvents[E],
) => void | Promise<void>;

@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger('DomainEventBus');
  private readonly handlers = new Map<DomainEventName, Set<DomainEventHandler<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<E extends DomainEventName>(event: E, handler: DomainEventHandler<E>): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    const stored = handler as DomainEventHandler<never>;
    set.add(stored);
    return () => set.delete(stored);
  }

  /** Runs every handler of `event` concurrently and waits for all; never rejects. */
  async emit<E extends DomainEventName>(event: E, payload: DomainEvents[E]): Promise<void> {
    const set = this.handlers.get(event);
    if (!set || set.size === 0) return;
    await Promise.all(
      [...set].map(async (handler) => {
        try {
          await (handler as DomainEventHandler<E>)(payload);
        } catch (error) {
          this.logger.error(
            `handler for ${event} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }),
    );
  }
}
