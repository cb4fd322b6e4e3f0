import { MikroORM } from '@mikro-orm/core';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { statfs } from 'node:fs/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import { cacheStatistics } from '@docent/common';
import type { StorageSettings } from '@docent/config';
import { METRICS_REGISTRY } from './metrics';
import { withTimeout } from './timeout';

const SCRAPE_TIMEOUT_MS = 1000;

/**
 * Resources read when `/metrics` is scraped, each bounded by a second (a slow disk or database
 * leaves its gauge unset; the scrape still answers):
 * - `storage_disk_free_bytes` / `storage_disk_size_bytes`: the file system of STORAGE_DIR (the
 *   uploads; "disk nearly full" is the alert that saves them);
 * - `storage_stored_bytes`: the bytes of every stored document (their original sizes);
 * - `cache_lookups_total{cache,result}`: hits and misses of the in-process caches (a caller's
 *   abilities, the readable-set SQL), so their hit ratio can be watched.
 */
@Injectable()
export class ResourceMetrics implements OnModuleInit {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly config: ConfigService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const { dir } = this.config.getOrThrow<StorageSettings>('storage');
    const registers = [this.registry];
    const size = new Gauge({
      name: 'storage_disk_size_bytes',
      help: 'Size of the file system that holds STORAGE_DIR',
      registers,
    });
    new Gauge({
      name: 'storage_disk_free_bytes',
      help: 'Bytes available to Docent on the file system that holds STORAGE_DIR',
      registers,
      async collect() {
        try {
          const fs = await withTimeout(statfs(dir), SCRAPE_TIMEOUT_MS, 'storage');
          this.set(fs.bavail * fs.bsize);
          size.set(fs.blocks * fs.bsize);
        } catch {
          // not readable now: readiness reports the storage; the scrape still succeeds
        }
      },
    });
    const moduleRef = this.moduleRef;
    new Gauge({
      name: 'storage_stored_bytes',
      help: 'Bytes of every stored document (original sizes)',
      registers,
      async collect() {
        try {
          const orm = moduleRef.get(MikroORM, { strict: false });
          const rows = await withTimeout(
            orm.em
              .getConnection()
              .execute<{ bytes: string }[]>(
                'select coalesce(sum(size_bytes), 0)::text as bytes from documents',
              ),
            SCRAPE_TIMEOUT_MS,
            'PostgreSQL',
          );
          this.set(Number(rows[0]?.bytes ?? 0));
        } catch {
          // PostgreSQL is down or slow: readiness reports it
        }
      },
    });
    new Counter({
      name: 'cache_lookups_total',
      help: 'Lookups of the in-process caches by cache and result (hit, miss)',
      labelNames: ['cache', 'result'] as const,
      registers,
      collect() {
        this.reset();
        for (const [cache, counts] of cacheStatistics()) {
          this.inc({ cache, result: 'hit' }, counts.hits);
          this.inc({ cache, result: 'miss' }, counts.misses);
        }
      },
    });
  }
}
