import { Injectable, Logger } from '@nestjs/common';

/**
 * In-process domain events: the library where something happens emits, the libraries that react
 * (notifications, sockets, mail) subscribe, so no domain library imports the ones that react to
 * it. Payloads carry ids and plain values only.
 *
 * Handlers run in the emitting process and are awaited: the worker's pipeline, for instance,
 * waits until the completion notification is stored. A failing handler is logged and does not
 * stop the others or the emitter.
 *
 * Event name → payload. Empty here on purpose: each library declares the events it emits once,
 * in its own `events/` folder, by declaration merging (this library knows no domain):
 *
 *     declare module '@docent/common' {
 *       interface DomainEvents { '<thing>.<happened>': ThingHappenedEvent }
 *     }
 *
 * A subscriber names the payload as `DomainEvents['<thing>.<happened>']`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface DomainEvents {}

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
