import { Module } from '@nestjs/common';
import { AdminOpsModule } from './ops/admin-ops.module';
import { AdminRolesModule } from './roles/admin-roles.module';
import { AdminUsersModule } from './users/admin-users.module';

/** `/api/v1/admin/*` (SPEC §5): admin only unless a custom role grants a permission. */
@Module({ imports: [AdminUsersModule, AdminRolesModule, AdminOpsModule] })
export class AdminModule {}
