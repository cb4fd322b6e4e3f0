export * from './entities';
export * from './ingestion';
export * from './chunk-indexer';
export * from './ingestion.producer';
export * from './documents-worker.module';
export * from './documents-http.module';
export * from './events';
export * from './retrieval';
