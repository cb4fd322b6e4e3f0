export * from './bm25';
export * from './chunk-retriever';
export * from './text-analyzer';
export * from './document-chunk-stat.entity';
export * from './bm25-query';
export * from './scoped-chunk-query';
