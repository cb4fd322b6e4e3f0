import { Injectable } from '@nestjs/common';
import { DomainEventBus, RequestContext } from '@docent/common';
import type { User } from '../entities/user.entity';

/**
 * Tells the owner their password changed (by themselves or through a reset link). The password is
 * already changed when this runs. The notifications library turns the event into a notification
 * and the `password-changed` mail (as the user's preferences say); the bus never rejects, so a
 * delivery problem is logged, not turned into an error for a change that succeeded.
 */
@Injectable()
export class PasswordChangedNotice {
  constructor(
    private readonly events: DomainEventBus,
    private readonly context: RequestContext,
  ) {}

  async send(user: User, via: 'change' | 'reset'): Promise<void> {
    await this.events.emit('security.password_changed', {
      userId: user.id,
      via,
      ip: this.context.snapshot().ip ?? null,
    });
  }
}
