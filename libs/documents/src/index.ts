export * from './entities';
export * from './ingestion';
export * from './chunk-indexer';
