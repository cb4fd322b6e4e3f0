import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '@docent/common';
import { RealtimeEmitter } from '../realtime/realtime.emitter';

/**
 * Ending a session or every session of a user (logout, revoke, token reuse, password change or
 * reset, disabled or deleted account) disconnects the matching sockets on every api instance:
 * the auth library emits the domain event where the session ends, this turns it into a
 * `disconnectSockets` broadcast through Redis.
 */
@Injectable()
export class SessionDisconnectsSubscriber implements OnModuleInit, OnApplicationShutdown {
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly events: DomainEventBus,
    private readonly realtime: RealtimeEmitter,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = [
      this.events.on('session.ended', ({ sessionId }) =>
        this.realtime.disconnectSession(sessionId),
      ),
      this.events.on('user.sessions_ended', ({ userId }) => this.realtime.disconnectUser(userId)),
    ];
  }

  /**
   * Unsubscribes only once the app has drained: Nest runs onModuleDestroy before the api stops
   * serving in-flight requests and before the worker's active jobs finish (QueueDrain), and
   * events those emit must still be delivered (found by the chaos suite's rolling restart).
   */
  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}
