export * from './document-events';
export * from './ingestion-events';
export * from './ingestion-event.publisher';
