import '@fastify/multipart';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Logger,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthUser, CurrentUser, StrictRateLimit } from '@docent/auth';
import { type AppAbility, CallerAbility, CheckPolicies } from '@docent/authorization';
import { ApiProblemResponses, ApiSignedIn, RATE_LIMITED, UuidParam } from '@docent/common';
import { attachmentDisposition, DOWNLOAD_SECURITY_HEADERS } from './content-disposition';
import { DocumentsService } from '../documents.service';
import { multipartRequired } from '../documents.errors';
import { type UploadOutcome, UploadService } from '../upload/upload.service';
import { PassagesService } from '../passages.service';
import { PassageDto, PassageQueryDto } from '../dto/passage.dto';
import {
  DocumentDto,
  DocumentPageDto,
  StorageUsageDto,
  UploadProblemDto,
  UploadResultDto,
} from '../dto/document-response.dto';
import { ListDocumentsQueryDto } from '../dto/list-documents-query.dto';

const NOT_FOUND = 'No such document, or one the caller may not read';
/** Reads are checked per document (ability or share); every signed-in caller may ask. */
const ANY_CALLER = () => true;

@ApiSignedIn('documents', { 429: RATE_LIMITED })
@Controller('documents')
export class DocumentsController {
  private readonly logger = new Logger(DocumentsController.name);

  constructor(
    private readonly documents: DocumentsService,
    private readonly uploads: UploadService,
    private readonly passages: PassagesService,
  ) {}

  @Post()
  @StrictRateLimit('upload')
  @CheckPolicies((ability) => ability.can('create', 'Document'))
  @ApiOperation({
    summary: 'Upload one or more files (multipart field `files`); ingestion runs in the background',
    description:
      'Each file is validated (type by content agreeing with the extension, not empty, not a ' +
      'duplicate of a document you own, within your storage quota) and either accepted (queued ' +
      'for ingestion) or rejected with a code. When no file is accepted the answer is 422 ' +
      'problem details (`no_file_accepted`) carrying `batchId`, `accepted` and `rejected` too.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['files'],
      properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } },
    },
  })
  @ApiAcceptedResponse({ type: UploadResultDto, description: 'At least one file was accepted' })
  @ApiProblemResponses({
    400: '`no_files`, `too_many_files` (more than UPLOAD_MAX_FILES), `unexpected_field`',
    403: 'The role may not upload documents',
    413: '`file_too_large`: a file is over UPLOAD_MAX_BYTES; nothing was kept',
    415: 'The body is not multipart/form-data',
    422: {
      type: UploadProblemDto,
      description:
        'No file was accepted: problem details with the upload result (every file in `rejected`)',
    },
  })
  async upload(
    @CurrentUser() caller: AuthUser,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (typeof request.isMultipart !== 'function' || !request.isMultipart()) {
      throw multipartRequired();
    }
    // a client that cancels its upload closes the connection: then nothing may be kept, and
    // once the answer is being sent, a close before it was handed over whole takes it back
    const connection: { gone: boolean; answering?: UploadOutcome } = { gone: false };
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      connection.gone = true;
      connection.answering?.abandon().catch((error: unknown) => {
        this.logger.error({ err: error }, 'could not delete the documents of an abandoned upload');
      });
    });
    // no event runs between the service's last look at the connection and this assignment
    const outcome = await this.uploads.upload(caller, request.parts(), () => connection.gone);
    connection.answering = outcome;
    await reply.status(202).send(outcome.result);
  }

  @Get('usage')
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({ summary: 'How much of your storage quota your documents use' })
  @ApiOkResponse({ type: StorageUsageDto })
  usage(@CurrentUser() caller: AuthUser): Promise<StorageUsageDto> {
    return this.documents.usage(caller);
  }

  @Get()
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({
    summary: 'Documents you can read (own and shared with you), newest first',
  })
  @ApiOkResponse({ type: DocumentPageDto })
  @ApiProblemResponses({ 400: 'Invalid status, q, limit or cursor' })
  list(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @Query() query: ListDocumentsQueryDto,
  ): Promise<DocumentPageDto> {
    return this.documents.list(caller, ability, query);
  }

  @Get(':id')
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({ summary: 'One document with its ingestion status' })
  @ApiOkResponse({ type: DocumentDto })
  @ApiProblemResponses({ 400: 'The id is not a UUID', 404: NOT_FOUND })
  get(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
  ): Promise<DocumentDto> {
    return this.documents.get(caller, ability, id);
  }

  @Get(':id/chunks/:chunkId')
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({
    summary: 'A chunk with its neighbours: a citation or a search hit in context',
    description:
      'The extracted text of the chunk (as cited: `chunkId` of a citation or a search hit) and ' +
      'of `around` chunks either side, in document order, with the ids to move back and on by ' +
      'one chunk. Readable by whoever can read the document.',
  })
  @ApiOkResponse({ type: PassageDto })
  @ApiProblemResponses({
    400: 'An id is not a UUID, or `around` is not 0–5',
    404: 'No such document you can read, or no such chunk in it (`chunk_not_found`)',
  })
  passage(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
    @UuidParam('chunkId', 'The chunk id (from a citation or a search hit)') chunkId: string,
    @Query() query: PassageQueryDto,
  ): Promise<PassageDto> {
    return this.passages.around(caller, ability, id, chunkId, query.around);
  }

  @Get(':id/content')
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({
    summary: 'Download the original file (streamed, as an attachment)',
    description:
      'Always `Content-Disposition: attachment`, with `Content-Security-Policy: sandbox` and ' +
      '`X-Content-Type-Options: nosniff`: an uploaded file is never rendered in the app’s origin.',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({
    description: 'The file, with its content type',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiProblemResponses({ 400: 'The id is not a UUID', 404: NOT_FOUND })
  async content(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const file = await this.documents.content(caller, ability, id);
    void reply.headers(DOWNLOAD_SECURITY_HEADERS).header('Cache-Control', 'private, no-store');
    return new StreamableFile(file.stream, {
      type: file.mimeType,
      disposition: attachmentDisposition(file.filename),
      length: file.sizeBytes,
    });
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({
    summary: 'Delete a document: its file, chunks, shares and any pending ingestion job',
  })
  @ApiNoContentResponse()
  @ApiProblemResponses({
    400: 'The id is not a UUID',
    403: 'You may read the document but not delete it',
    404: NOT_FOUND,
  })
  async remove(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
  ): Promise<void> {
    await this.documents.remove(caller, ability, id);
  }

  @Post(':id/reingest')
  @HttpCode(202)
  @CheckPolicies(ANY_CALLER)
  @ApiOperation({ summary: 'Run ingestion again (a new run; status back to queued)' })
  @ApiAcceptedResponse({ type: DocumentDto })
  @ApiProblemResponses({
    400: 'The id is not a UUID',
    403: 'You may read the document but not change it',
    404: NOT_FOUND,
  })
  reingest(
    @CurrentUser() caller: AuthUser,
    @CallerAbility() ability: AppAbility,
    @UuidParam('id', 'The document id') id: string,
  ): Promise<DocumentDto> {
    return this.documents.reingest(caller, ability, id);
  }
}
