import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DomainEventBus, type DomainEvents, RequestContext } from '@docent/common';
import type { AppSettings } from '@docent/config';
import { NotificationsService } from '../notifications.service';

/** `2026-11-26 08:15 UTC`: contexts travel as JSON, so dates arrive formatted. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The api's side of delivery: the events the api emits (`document.shared` in the shares
 * service, `security.password_changed` and `security.new_sign_in` in the auth service) become
 * notifications and mail.
 * Handlers run in the request that emitted them, awaited by the bus.
 */
@Injectable()
export class ApiNotificationsSubscriber implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ApiNotifications');
  private readonly publicAppUrl: string;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly bus: DomainEventBus,
    private readonly notifications: NotificationsService,
    private readonly context: RequestContext,
    config: ConfigService,
  ) {
    this.publicAppUrl = config
      .getOrThrow<AppSettings>('app')
      .publicAppUrl.replace(/(?<!\/)\/+$/, '');
  }

  onModuleInit(): void {
    this.unsubscribe.push(
      this.bus.on('document.shared', (event) => this.documentShared(event)),
      this.bus.on('security.password_changed', (event) => this.passwordChanged(event)),
      this.bus.on('security.new_sign_in', (event) => this.newSignIn(event)),
    );
  }

  /**
   * Unsubscribes only once the app has drained: Nest runs onModuleDestroy before the api stops
   * serving in-flight requests and before the worker's active jobs finish (QueueDrain), and
   * events those emit must still be delivered (found by the chaos suite's rolling restart).
   */
  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  async documentShared(event: DomainEvents['document.shared']): Promise<void> {
    const who = event.sharedBy.displayName?.trim() || event.sharedBy.email;
    const access = event.permission === 'write' ? 'read and edit' : 'read';
    await this.notifications.notify(
      event.userId,
      'document.shared',
      {
        title: `${who} shared “${event.filename}” with you`,
        body: `You can ${access} this document.`,
        data: {
          documentId: event.documentId,
          filename: event.filename,
          permission: event.permission,
          sharedBy: { id: event.sharedBy.id, displayName: event.sharedBy.displayName },
        },
      },
      {
        email: {
          template: 'document-shared',
          context: {
            sharedByName: who,
            filename: event.filename,
            access,
            documentUrl: `${this.publicAppUrl}/documents/${event.documentId}`,
          },
          requestId: this.requestId(),
        },
      },
    );
    this.logger.debug(`document=${event.documentId} shared with user=${event.userId} notified`);
  }

  async passwordChanged(event: DomainEvents['security.password_changed']): Promise<void> {
    const changedAt = formatUtc(new Date());
    const reset = event.via === 'reset';
    await this.notifications.notify(
      event.userId,
      'security.password_changed',
      {
        title: reset ? 'Your password was reset' : 'Your password was changed',
        body:
          `Your password was ${reset ? 'reset with an e-mailed link' : 'changed'} on ${changedAt}` +
          `${event.ip ? ` from ${event.ip}` : ''}. If this was not you, reset your password ` +
          'right away and tell your administrator.',
        data: { via: event.via, ip: event.ip, changedAt: new Date().toISOString() },
      },
      {
        email: {
          template: 'password-changed',
          context: { changedAt },
          requestId: this.requestId(),
        },
      },
    );
  }

  async newSignIn(event: DomainEvents['security.new_sign_in']): Promise<void> {
    const signedInAt = formatUtc(new Date(event.at));
    const ip = event.ip ?? 'an unknown address';
    await this.notifications.notify(
      event.userId,
      'security.new_sign_in',
      {
        title: 'New sign-in to your account',
        body:
          `Your account was signed in to on ${signedInAt} from ${event.device} (IP address ${ip}), ` +
          'a device or network you have not used recently. If this was not you, change your ' +
          'password right away and tell your administrator.',
        data: { at: event.at, ip: event.ip, device: event.device },
      },
      {
        email: {
          template: 'new-sign-in',
          context: { signedInAt, device: event.device, ip },
          requestId: this.requestId(),
        },
      },
    );
  }

  /** The request that emitted the event, for the mail job's log lines. */
  private requestId(): string | undefined {
    return this.context.snapshot().requestId ?? undefined;
  }
}
