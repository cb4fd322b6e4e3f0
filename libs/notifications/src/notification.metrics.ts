import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@docent/health';
import type { NotificationChannel } from './notification.types';

/**
 * `notifications_sent_total{channel}` on the app's registry (`/metrics`, SPEC §9): `in_app` a
 * notification stored in the center, `socket` one pushed to the user's sockets (through the
 * Redis emitter; counted when emitted, sockets may be offline), `email` a mail queued.
 */
@Injectable()
export class NotificationMetrics {
  private readonly sent: Counter<'channel'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.sent = new Counter({
      name: 'notifications_sent_total',
      help: 'Notifications sent, by channel (in_app stored, socket pushed, email queued)',
      labelNames: ['channel'] as const,
      registers: [registry],
    });
    // every channel shows from the first scrape, at 0
    for (const channel of ['in_app', 'email', 'socket'] as const) this.sent.inc({ channel }, 0);
  }

  sentOn(channel: NotificationChannel): void {
    this.sent.inc({ channel });
  }
}
