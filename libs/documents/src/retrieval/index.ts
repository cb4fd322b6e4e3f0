export * from './bm25';
export * from './chunk-retriever';
export * from './text-analyzer';
export * from './chunk-term-stat.entity';
export * from './bm25-query';
