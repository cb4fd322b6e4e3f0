import { Module } from '@nestjs/common';
import { DocumentsModule } from './documents.module';
import { DocumentsController } from './http/documents.controller';
import { MultipartRegistrar } from './http/multipart.registrar';
import { SearchController } from './http/search.controller';
import { PassagesService } from './passages.service';
import { SearchService } from './search.service';
import { SharesController } from './http/shares.controller';
import { SharesService } from './shares.service';
import { UploadService } from './upload/upload.service';

/** `/api/v1/documents` with its shares, and `/api/v1/search` (SPEC §6): imported by the api, never by the worker. */
@Module({
  imports: [DocumentsModule],
  controllers: [DocumentsController, SharesController, SearchController],
  providers: [MultipartRegistrar, UploadService, SharesService, SearchService, PassagesService],
})
export class DocumentsHttpModule {}

export { DocumentsModule };
