import { Module } from '@nestjs/common';
import { AuthModule } from '@docent/auth';
import { AdminPermissionsController, AdminRolesController } from './admin-roles.controller';
import { AdminRolesService } from './admin-roles.service';
import { RoleRepository } from './role.repository';

/** `/api/v1/admin/permissions` and `/api/v1/admin/roles` (SPEC §5). */
@Module({
  imports: [AuthModule],
  controllers: [AdminPermissionsController, AdminRolesController],
  providers: [RoleRepository, AdminRolesService],
  exports: [AdminRolesService],
})
export class AdminRolesModule {}
