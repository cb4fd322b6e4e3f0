import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import {
  AppError,
  DEPENDENCY_UNAVAILABLE,
  OUTAGE_RETRY_AFTER_SECONDS,
  Public,
} from '@docent/common';
import { Lifecycle } from './lifecycle';
import { type PublicChecks, publicChecks, Readiness } from './readiness';

/**
 * Readiness, outside `/api`, without auth or rate limits (load balancers and orchestrators probe
 * it every few seconds; liveness is a plain Fastify route, live-probe.ts). It shows only up/down
 * per dependency:
 * error messages name hosts, ports and versions, so they go to the logs and to
 * `GET /api/v1/admin/health`.
 */
@Public()
@SkipThrottle()
@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly readiness: Readiness,
  ) {}

  @Get('ready')
  @ApiOperation({
    summary:
      'Every dependency answers; 503 when one does not or while shutting down. Only up/down ' +
      'per dependency (details: GET /api/v1/admin/health)',
  })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ok',
        info: { database: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' } },
      },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'Problem details with `checks`: `{<dependency>: {status: "up" | "down"}}`',
  })
  async ready(): Promise<{
    status: 'ok';
    info: PublicChecks;
    error: PublicChecks;
    details: PublicChecks;
  }> {
    if (this.lifecycle.isShuttingDown) {
      throw new AppError('unavailable', 'shutting_down', 'This instance is shutting down.', {
        retryAfterSeconds: 1,
      });
    }
    const report = await this.readiness.check();
    const checks = publicChecks(report);
    if (report.status !== 'ok') {
      const down = Object.keys(checks).filter((name) => checks[name].status === 'down');
      throw new AppError(
        'unavailable',
        DEPENDENCY_UNAVAILABLE,
        `Not ready: ${down.join(', ')} unavailable.`,
        { retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS, extensions: { checks } },
      );
    }
    return { status: 'ok', info: checks, error: {}, details: checks };
  }
}
