import { Injectable } from '@nestjs/common';

/** Set once the process starts shutting down: readiness answers 503 from then on. */
@Injectable()
export class Lifecycle {
  private stopping = false;

  get isShuttingDown(): boolean {
    return this.stopping;
  }

  beginShutdown(): void {
    this.stopping = true;
  }
}
