import { MikroORM, RequestContext as OrmRequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppError } from '@docent/common';
import type { AuthSettings } from '@docent/config';
import { AUDIT_TARGET, AuditService } from '@docent/audit';
import { AUTH_ERROR_CODES } from '../auth.errors';
import { User } from '../entities/user.entity';
import { AccountService } from './account.service';

export type AdminCreation = 'created' | 'exists';

/**
 * The first administrator: created from ADMIN_EMAIL/ADMIN_PASSWORD when the api starts and no
 * admin exists yet (also `npm run admin:create`). Several api instances starting together are
 * fine: the unique e-mail lets only one of them create it.
 */
@Injectable()
export class AdminBootstrap {
  constructor(
    private readonly orm: MikroORM,
    private readonly em: EntityManager,
    private readonly accounts: AccountService,
    private readonly audit: AuditService,
  ) {}

  /** Creates an admin with this e-mail unless one exists (or, with onlyIfNoAdmin, any admin exists). */
  ensureAdmin(
    email: string,
    password: string,
    displayName: string,
    options: { onlyIfNoAdmin: boolean },
  ): Promise<AdminCreation> {
    return OrmRequestContext.create(this.orm.em, async () => {
      if (options.onlyIfNoAdmin) {
        const admins = await this.em.count(User, { role: { name: 'admin' } });
        if (admins > 0) return 'exists';
      }
      if (await this.accounts.findByEmail(email)) return 'exists';
      try {
        const user = await this.accounts.create({ email, password, displayName, role: 'admin' });
        await this.audit.record({
          action: 'user.admin_bootstrapped',
          actorId: null,
          targetType: AUDIT_TARGET.user,
          targetId: user.id,
        });
        return 'created';
      } catch (error) {
        if (error instanceof AppError && error.code === AUTH_ERROR_CODES.emailTaken)
          return 'exists';
        throw error;
      }
    });
  }
}

/** Runs in the api only: creates the first admin from the configuration at start-up. */
@Injectable()
export class FirstAdminOnStartup implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    private readonly bootstrap: AdminBootstrap,
    private readonly config: ConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.config.getOrThrow<AuthSettings>('auth');
    if (!adminEmail || !adminPassword) return;
    const result = await this.bootstrap.ensureAdmin(adminEmail, adminPassword, 'Administrator', {
      onlyIfNoAdmin: true,
    });
    if (result === 'created') this.logger.log('created the first administrator account');
  }
}
