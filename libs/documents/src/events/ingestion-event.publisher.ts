import { Injectable, Logger } from '@nestjs/common';
import { DomainEventBus } from '@docent/common';
import type { IngestionEventName, IngestionEvents } from './ingestion-events';

/**
 * The one place ingestion events leave the pipeline: emits them on the in-process
 * `DomainEventBus`, where the notifications library (in the worker) delivers them over socket.io
 * and stores the completion/failure notifications. The worker never emits over HTTP.
 *
 * `publish` resolves once every subscriber has run (the bus awaits its handlers), so a caller
 * that awaits it knows, for instance, that the completion notification is stored. It never
 * rejects: a failing subscriber is logged, because the state is persisted on the document anyway.
 * Events of one document keep their order: handlers are started in call order.
 */
@Injectable()
export class IngestionEventPublisher {
  private readonly logger = new Logger('IngestionEventPublisher');

  constructor(private readonly bus: DomainEventBus) {}

  async publish<E extends IngestionEventName>(
    event: E,
    payload: IngestionEvents[E],
  ): Promise<void> {
    try {
      // IngestionEvents[E] is assignable to DomainEvents[E] (see INGESTION_EVENTS_ARE_DOMAIN_EVENTS)
      await this.bus.emit(event, payload as never);
    } catch (error) {
      this.logger.warn(
        `could not publish ${event} for document=${payload.documentId}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
}
