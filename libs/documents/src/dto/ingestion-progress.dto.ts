import { ApiProperty } from '@nestjs/swagger';
import {
  DOCUMENT_STATUSES,
  type DocumentStatus,
  INGESTION_STAGES,
  type IngestionStage,
} from '../entities/document.entity';
import type { IngestionProgressEvent } from '../events/ingestion-events';

/**
 * `ingestion.progress` on the socket (SPEC §8): the domain event without its owner. No route
 * returns it; the api lists it in the OpenAPI document (`extraModels`) so the web client's type is
 * generated from it, and `implements` keeps it in step with the event the worker emits.
 */
export class IngestionProgressDto implements Omit<IngestionProgressEvent, 'ownerId'> {
  @ApiProperty({ format: 'uuid' })
  documentId!: string;

  @ApiProperty({ enum: DOCUMENT_STATUSES })
  status!: DocumentStatus;

  @ApiProperty({ enum: INGESTION_STAGES })
  stage!: IngestionStage;

  @ApiProperty({ minimum: 0, maximum: 100, description: 'Never lower than the previous event' })
  progress!: number;
}

/** The socket event payloads no route returns, for `SwaggerModule.createDocument`'s `extraModels`. */
export const SOCKET_EVENT_MODELS = [IngestionProgressDto];
