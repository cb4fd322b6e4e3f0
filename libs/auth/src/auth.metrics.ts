import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@docent/health';

/** How one sign-in ended. */
export type LoginOutcome =
  'success' | 'invalid_credentials' | 'locked_out' | 'busy' | 'account_disabled';

const LOGIN_OUTCOMES: readonly LoginOutcome[] = [
  'success',
  'invalid_credentials',
  'locked_out',
  'busy',
  'account_disabled',
];

/**
 * Sign-in metrics on the app's registry (`/metrics`):
 * - `auth_logins_total{outcome}`: every password sign-in by how it ended (a credential-stuffing
 *   run shows as invalid_credentials, then locked_out);
 * - `auth_lockouts_total`: accounts locked by failed password checks (sign-in or password change).
 */
@Injectable()
export class AuthMetrics {
  private readonly logins: Counter<'outcome'>;
  private readonly lockouts: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.logins = new Counter({
      name: 'auth_logins_total',
      help: 'Password sign-ins by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.lockouts = new Counter({
      name: 'auth_lockouts_total',
      help: 'Accounts locked after too many failed password checks',
      registers: [registry],
    });
    for (const outcome of LOGIN_OUTCOMES) this.logins.inc({ outcome }, 0);
  }

  login(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  lockout(): void {
    this.lockouts.inc();
  }
}
