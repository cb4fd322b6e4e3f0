export * from './answer-text';
export * from './extractive.generator';
export * from './generation.module';
export * from './openai.generator';
export * from './sentences';
export * from './sse-parser';
