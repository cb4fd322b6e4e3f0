import { ApiProperty, PickType } from '@nestjs/swagger';
import type { IngestionProgressEvent } from '../events/ingestion-events';
import { DocumentDto } from './document-response.dto';

/**
 * `ingestion.progress` on the socket (SPEC §8): the domain event without its owner, that is the
 * document's id, status, stage and progress. No route returns it; the api lists it in the OpenAPI
 * document (`extraModels`) so the web client's type is generated from it, and `implements` keeps
 * it in step with the event the worker emits.
 */
export class IngestionProgressDto
  extends PickType(DocumentDto, ['status', 'stage', 'progress'] as const)
  implements Omit<IngestionProgressEvent, 'ownerId'>
{
  @ApiProperty({ format: 'uuid' })
  documentId!: string;
}

/** The socket event payloads no route returns, for `SwaggerModule.createDocument`'s `extraModels`. */
export const SOCKET_EVENT_MODELS = [IngestionProgressDto];
