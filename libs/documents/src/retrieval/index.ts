export * from './chunk-retriever';
