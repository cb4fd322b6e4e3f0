import { Module } from '@nestjs/common';
import { DocumentsModule } from './documents.module';
import { DocumentsController } from './http/documents.controller';
import { MultipartRegistrar } from './http/multipart.registrar';

/** `/api/v1/documents` (SPEC §6): imported by the api, never by the worker. */
@Module({
  imports: [DocumentsModule],
  controllers: [DocumentsController],
  providers: [MultipartRegistrar],
})
export class DocumentsHttpModule {}

export { DocumentsModule };
