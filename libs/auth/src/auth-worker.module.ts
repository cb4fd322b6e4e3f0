import { Module } from '@nestjs/common';
import { AuthPurge, AuthPurgeProcessor } from './maintenance/auth-purge';

/**
 * The worker side of accounts: the repeatable purge of ended sessions, old spent refresh tokens
 * and used or expired reset tokens (maintenance queue). Needs from the app: config, the database,
 * QueueModule and MaintenanceModule.
 */
@Module({
  providers: [AuthPurge, AuthPurgeProcessor],
  exports: [AuthPurge],
})
export class AuthWorkerModule {}
