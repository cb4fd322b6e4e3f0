import {
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';

/** Where a graceful stop has got to, for the log line of a stop that runs out of time. */
export type ShutdownPhase =
  | 'running'
  | 'grace period'
  | 'module destroy hooks'
  | 'before-shutdown hooks (queue drain), then the servers closing'
  | 'shutdown hooks (connections closing)';

/**
 * Set once the process starts shutting down: readiness answers 503 from then on. Also follows
 * Nest's close phases (its hooks run phase by phase, module by module), so a stop that hangs can
 * say which phase it hung in.
 */
@Injectable()
export class Lifecycle
  implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  private stopping = false;
  private current: ShutdownPhase = 'running';

  get isShuttingDown(): boolean {
    return this.stopping;
  }

  get phase(): ShutdownPhase {
    return this.current;
  }

  beginShutdown(): void {
    this.stopping = true;
    this.current = 'grace period';
  }

  onModuleDestroy(): void {
    this.current = 'module destroy hooks';
  }

  beforeApplicationShutdown(): void {
    this.current = 'before-shutdown hooks (queue drain), then the servers closing';
  }

  onApplicationShutdown(): void {
    this.current = 'shutdown hooks (connections closing)';
  }
}
