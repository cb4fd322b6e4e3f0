import { InjectQueue, Process, Processor } from '@nestjs/bull';
import {
  Global,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { type MaintenanceJobPayload, QUEUES } from './queue.contracts';
import { type RepeatableJob, scheduleRepeatable } from './repeatable-jobs';

export type MaintenanceHandler = (job: Job<MaintenanceJobPayload>) => Promise<unknown>;

/** How a periodic task runs: every `everyMs`, under a fixed job id (see `RepeatableJob`). */
export type MaintenanceSchedule = Omit<RepeatableJob, 'name'>;

/** When scheduling fails at worker start (Redis down), try again this often. */
export const SCHEDULE_RETRY_MS = 30_000;

/**
 * The handlers of the `maintenance` queue's jobs, by job name. Libraries register theirs (in a
 * constructor, so they are in place before bull starts fetching); one processor dispatches.
 *
 * Why not one `@Process(name)` per library: in bull 4 each named handler starts its own fetch
 * loop, and a local `pause()` during shutdown does not hold back the idle loops' blocked fetches,
 * so a job queued after SIGTERM could still start. One `*` handler means one loop per queue.
 *
 * Periodic work is a task registered with a schedule: this is the one place that schedules
 * repeatable jobs (at worker start, retrying while Redis is unreachable, idempotent across
 * replicas), so a library's periodic job is a handler and an interval, nothing more.
 */
@Injectable()
export class MaintenanceTasks implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MaintenanceTasks');
  private readonly handlers = new Map<string, MaintenanceHandler>();
  private readonly schedules = new Map<string, MaintenanceSchedule>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue<MaintenanceJobPayload>,
  ) {}

  register(name: string, handler: MaintenanceHandler, schedule?: MaintenanceSchedule): void {
    if (this.handlers.has(name)) throw new Error(`maintenance task "${name}" registered twice`);
    this.handlers.set(name, handler);
    if (schedule) this.schedules.set(name, schedule);
  }

  /** (Re)schedules a registered periodic task now, at its interval or the one given. */
  async schedule(name: string, everyMs?: number): Promise<void> {
    const schedule = this.schedules.get(name);
    if (!schedule) throw new Error(`maintenance task "${name}" has no schedule`);
    await scheduleRepeatable(this.queue, {
      ...schedule,
      name,
      everyMs: everyMs ?? schedule.everyMs,
    });
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    for (const name of this.schedules.keys()) void this.tryToSchedule(name);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  private async tryToSchedule(name: string): Promise<void> {
    if (this.stopped) return;
    try {
      await this.schedule(name);
    } catch (error) {
      // Redis down at start-up: the task does not run until a retry (or another worker) schedules it
      this.logger.warn(`could not schedule ${name}, retrying: ${String(error)}`);
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void this.tryToSchedule(name);
      }, SCHEDULE_RETRY_MS);
      timer.unref();
      this.retries.add(timer);
    }
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
