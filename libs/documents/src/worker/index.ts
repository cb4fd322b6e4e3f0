export * from './extract-in-child';
export * from './ingestion.pipeline';
export * from './ingestion.processor';
export * from './pending-ingestion.scheduler';
export * from './storage-cleanup';
export * from './ocr.engine';
