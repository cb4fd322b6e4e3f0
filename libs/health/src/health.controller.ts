import { Controller, Get, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { AppError, Public } from '@docent/common';
import { HEALTH_CHECKS, type HealthCheckName } from './health.constants';
import { DatabaseIndicator, QueueIndicator, RedisIndicator, StorageIndicator } from './indicators';
import { Lifecycle } from './lifecycle';

const started = Date.now();

/** Liveness and readiness, outside `/api`, without auth or rate limits. */
@Public()
@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: Lifecycle,
    private readonly database: DatabaseIndicator,
    private readonly redis: RedisIndicator,
    private readonly queue: QueueIndicator,
    private readonly storage: StorageIndicator,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheckName[],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up (no dependency is checked)' })
  @ApiOkResponse({ schema: { example: { status: 'ok', uptimeSeconds: 42 } } })
  live(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Every dependency answers; 503 with details when one does not or while shutting down',
  })
  @ApiOkResponse({
    schema: {
      example: { status: 'ok', info: { database: { status: 'up' } }, error: {}, details: {} },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'Problem details with `checks` per dependency' })
  async ready(): Promise<unknown> {
    if (this.lifecycle.isShuttingDown) {
      throw new AppError('unavailable', 'shutting_down', 'This instance is shutting down.', {
        retryAfterSeconds: 1,
      });
    }
    const indicators: Record<HealthCheckName, () => Promise<HealthIndicatorResult>> = {
      database: () => this.database.check(),
      redis: () => this.redis.check(),
      queue: () => this.queue.check(),
      storage: () => this.storage.check(),
    };
    try {
      return await this.health.check(this.checks.map((name) => indicators[name]));
    } catch (error) {
      const response = (error as { getResponse?: () => unknown }).getResponse?.() as
        { error?: Record<string, unknown>; details?: Record<string, unknown> } | undefined;
      if (!response?.details) throw error;
      const down = Object.keys(response.error ?? {});
      throw new AppError(
        'unavailable',
        'dependency_unavailable',
        `Not ready: ${down.join(', ')} unavailable.`,
        {
          retryAfterSeconds: 2,
          extensions: { checks: response.details },
        },
      );
    }
  }
}
