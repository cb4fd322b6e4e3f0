export * from './entities';
export * from './ingestion';
export * from './chunk-indexer';
export * from './ingestion.producer';
