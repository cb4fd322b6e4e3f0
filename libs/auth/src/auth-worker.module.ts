import { Module } from '@nestjs/common';
import {
  AuthPurge,
  AuthPurgeProcessor,
  AuthPurgeProducer,
  AuthPurgeScheduler,
} from './maintenance/auth-purge';

/**
 * The worker side of accounts: the repeatable purge of ended sessions, old spent refresh tokens
 * and used or expired reset tokens (maintenance queue). Needs from the app: config, the database,
 * QueueModule and MaintenanceModule.
 */
@Module({
  providers: [AuthPurge, AuthPurgeProducer, AuthPurgeScheduler, AuthPurgeProcessor],
  exports: [AuthPurge, AuthPurgeProducer],
})
export class AuthWorkerModule {}
