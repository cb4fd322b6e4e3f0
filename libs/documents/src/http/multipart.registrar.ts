import multipart from '@fastify/multipart';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { DocumentSettings } from '@docent/config';

/** Form fields besides files that an upload may carry (none are used today). */
const MAX_FIELDS = 10;

/**
 * Registers @fastify/multipart on the api's Fastify instance with the upload limits, before
 * the server is ready (plugins cannot be added later). Busboy enforces the limits while the
 * request streams: a file is cut at `uploadMaxBytes` and flagged, extra files end the parse.
 */
@Injectable()
export class MultipartRegistrar implements OnModuleInit {
  private readonly logger = new Logger(MultipartRegistrar.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ConfigService,
  ) {}

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!instance || typeof instance.register !== 'function') {
      this.logger.warn('no Fastify instance: multipart uploads are unavailable');
      return;
    }
    if (instance.hasContentTypeParser('multipart/form-data')) return;
    const { uploadMaxBytes, uploadMaxFiles } =
      this.config.getOrThrow<DocumentSettings>('documents');
    void instance.register(multipart, {
      throwFileSizeLimit: true,
      limits: {
        fileSize: uploadMaxBytes,
        files: uploadMaxFiles,
        fields: MAX_FIELDS,
        parts: uploadMaxFiles + MAX_FIELDS,
        fieldSize: 64 * 1024,
        headerPairs: 100,
      },
    });
  }
}
