export * from './chunk-embedder';
export * from './document-chunk-embedding.entity';
export * from './embeddings';
export * from './sentence-encoder';
