import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { HEALTH_CHECKS, type HealthCheckName } from './health.constants';
import { DatabaseIndicator, QueueIndicator, RedisIndicator, StorageIndicator } from './indicators';

export type CheckStatus = 'up' | 'down';

/** Every dependency's result with its details (latency, error messages, queue depths). */
export interface ReadinessReport {
  status: 'ok' | 'error';
  checkedAt: string;
  checks: Record<string, Record<string, unknown> & { status: CheckStatus }>;
}

/** Only up/down per dependency: what anyone may see. */
export type PublicChecks = Record<string, { status: CheckStatus }>;

export function publicChecks(report: ReadinessReport): PublicChecks {
  const checks: PublicChecks = {};
  for (const [name, check] of Object.entries(report.checks)) {
    checks[name] = { status: check.status === 'up' ? 'up' : 'down' };
  }
  return checks;
}

/**
 * Runs the readiness checks. Details stay with operators: they are logged when a dependency goes
 * down or comes back (once per transition, not once per probe, since load balancers probe every
 * few seconds) and shown by the admin api; `/health/ready` shows only up/down.
 */
@Injectable()
export class Readiness {
  private readonly logger = new Logger('Readiness');
  private readonly last = new Map<string, CheckStatus>();

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseIndicator,
    private readonly redis: RedisIndicator,
    private readonly queue: QueueIndicator,
    private readonly storage: StorageIndicator,
    @Inject(HEALTH_CHECKS) private readonly names: HealthCheckName[],
  ) {}

  async check(): Promise<ReadinessReport> {
    const indicators: Record<HealthCheckName, () => Promise<HealthIndicatorResult>> = {
      database: () => this.database.check(),
      redis: () => this.redis.check(),
      queue: () => this.queue.check(),
      storage: () => this.storage.check(),
    };
    let details: Record<string, Record<string, unknown>>;
    try {
      details = (await this.health.check(this.names.map((name) => indicators[name]))).details;
    } catch (error) {
      // terminus throws a 503 exception carrying every indicator's result when one is down
      const response = (error as { getResponse?: () => unknown }).getResponse?.() as
        { details?: Record<string, Record<string, unknown>> } | undefined;
      if (!response?.details) throw error;
      details = response.details;
    }
    const checks: ReadinessReport['checks'] = {};
    for (const name of this.names) {
      const result = details[name] ?? { message: 'no result' };
      checks[name] = { ...result, status: result.status === 'up' ? 'up' : 'down' };
    }
    this.logTransitions(checks);
    const healthy = Object.values(checks).every((check) => check.status === 'up');
    return { status: healthy ? 'ok' : 'error', checkedAt: new Date().toISOString(), checks };
  }

  private logTransitions(checks: ReadinessReport['checks']): void {
    for (const [name, check] of Object.entries(checks)) {
      const previous = this.last.get(name);
      if (previous === check.status) continue;
      this.last.set(name, check.status);
      if (check.status === 'down') {
        this.logger.error({ check: name, details: check }, `readiness: ${name} is down`);
      } else if (previous !== undefined) {
        this.logger.log({ check: name }, `readiness: ${name} is up again`);
      }
    }
  }
}
