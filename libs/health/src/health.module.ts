import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HEALTH_CHECKS, type HealthCheckName } from './health.constants';
import { DatabaseIndicator, QueueIndicator, RedisIndicator, StorageIndicator } from './indicators';
import { Lifecycle } from './lifecycle';
import { LiveProbe } from './live-probe';
import { Readiness } from './readiness';
import { ResourceMetrics } from './resource-metrics';
import {
  createRegistry,
  HttpMetrics,
  METRICS_REGISTRY,
  MetricsController,
  QueueMetrics,
} from './metrics';

export interface HealthModuleOptions {
  /** Names the process in every metric (`app` label). */
  app: string;
  /** Dependencies `/health/ready` checks. */
  checks: HealthCheckName[];
}

/** `/health/live`, `/health/ready` and `/metrics` for either app. */
@Global()
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        Lifecycle,
        LiveProbe,
        Readiness,
        DatabaseIndicator,
        RedisIndicator,
        QueueIndicator,
        StorageIndicator,
        HttpMetrics,
        QueueMetrics,
        ResourceMetrics,
        { provide: HEALTH_CHECKS, useValue: options.checks },
        { provide: METRICS_REGISTRY, useFactory: () => createRegistry(options.app) },
      ],
      exports: [Lifecycle, Readiness, METRICS_REGISTRY],
    };
  }
}
