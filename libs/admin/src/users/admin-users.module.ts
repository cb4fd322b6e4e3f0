import { Module } from '@nestjs/common';
import { AuthModule } from '@docent/auth';
import { DocumentsModule } from '@docent/documents';
import { AdminUserRepository } from './admin-user.repository';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';

/** `/api/v1/admin/users`: list, read, create, change, unlock and delete accounts (SPEC §5). */
@Module({
  imports: [AuthModule, DocumentsModule],
  controllers: [AdminUsersController],
  providers: [AdminUsersService, AdminUserRepository],
})
export class AdminUsersModule {}
