import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { QUEUE_NAMES } from './queue.contracts';

/**
 * A bull queue re-emits Redis connection errors as 'error' events; without a listener Node would
 * crash the process on the first Redis outage. Log them instead (once per outage per queue).
 */
@Injectable()
export class QueueEventsLogger implements OnModuleInit {
  private readonly logger = new Logger('Queue');

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of QUEUE_NAMES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      let failing = false;
      queue.on('error', (error: Error) => {
        if (!failing) this.logger.warn(`queue ${name}: ${error.message}`);
        failing = true;
      });
      queue.on('global:completed', () => (failing = false));
      queue.client.on('ready', () => (failing = false));
    }
  }
}
