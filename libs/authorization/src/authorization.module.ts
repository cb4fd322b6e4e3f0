import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PERMISSIONS_PROVIDER } from '@docent/auth';
import { AbilityFactory } from './ability.factory';
import { PoliciesGuard } from './policies';
import { RolePermission } from './role-permission.entity';

/** CASL abilities from the roles' rules in PostgreSQL, cached per role in Redis. */
@Global()
@Module({
  imports: [MikroOrmModule.forFeature([RolePermission])],
  providers: [AbilityFactory, { provide: PERMISSIONS_PROVIDER, useExisting: AbilityFactory }],
  exports: [AbilityFactory, PERMISSIONS_PROVIDER],
})
export class AuthorizationModule {}

/**
 * The api side: the policies guard. Import it after the authentication module, so that the guard
 * runs after the JWT guard has identified the caller.
 */
@Module({
  imports: [AuthorizationModule],
  providers: [{ provide: APP_GUARD, useClass: PoliciesGuard }],
})
export class AuthorizationHttpModule {}
