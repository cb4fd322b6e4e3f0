import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '@docent/common';
import type { User } from '../entities/user.entity';
import type { ClientInfo } from '../sessions/session.service';
import { SignInDevices } from '../sessions/sign-in-devices';

/**
 * Tells the owner about a sign-in from a device they have not used recently (the notifications
 * library turns the event into a notification and a mail, which cannot be switched off).
 */
@Injectable()
export class NewDeviceNotice {
  constructor(
    private readonly devices: SignInDevices,
    private readonly events: DomainEventBus,
  ) {}

  async afterSignIn(user: User, client: ClientInfo): Promise<void> {
    const at = new Date();
    const { isNew, device } = await this.devices.observe(user.id, client, at);
    if (!isNew) return;
    await this.events.emit('security.new_sign_in', {
      userId: user.id,
      ip: client.ip,
      device,
      at: at.toISOString(),
    });
  }
}
