import { Process, Processor } from '@nestjs/bull';
import { Global, Injectable, Module } from '@nestjs/common';
import type { Job } from 'bull';
import { type MaintenanceJobPayload, QUEUES } from './queue.contracts';

export type MaintenanceHandler = (job: Job<MaintenanceJobPayload>) => Promise<unknown>;

/**
 * The handlers of the `maintenance` queue's jobs, by job name. Libraries register theirs (in a
 * constructor, so they are in place before bull starts fetching); one processor dispatches.
 *
 * Why not one `@Process(name)` per library: in bull 4 each named handler starts its own fetch
 * loop, and a local `pause()` during shutdown does not hold back the idle loops' blocked fetches,
 * so a job queued after SIGTERM could still start. One `*` handler means one loop per queue.
 */
@Injectable()
export class MaintenanceTasks {
  private readonly handlers = new Map<string, MaintenanceHandler>();

  register(name: string, handler: MaintenanceHandler): void {
    if (this.handlers.has(name)) throw new Error(`maintenance task "${name}" registered twice`);
    this.handlers.set(name, handler);
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  async run(job: Job<MaintenanceJobPayload>): Promise<unknown> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`no handler for maintenance job "${job.name}"`);
    return handler(job);
  }
}

/** The only processor of the `maintenance` queue (worker only). */
@Processor(QUEUES.maintenance)
export class MaintenanceProcessor {
  constructor(private readonly tasks: MaintenanceTasks) {}

  @Process('*')
  handle(job: Job<MaintenanceJobPayload>): Promise<unknown> {
    return this.tasks.run(job);
  }
}

/** Imported by the worker only: the api never processes jobs. */
@Global()
@Module({
  providers: [MaintenanceTasks, MaintenanceProcessor],
  exports: [MaintenanceTasks],
})
export class MaintenanceModule {}
