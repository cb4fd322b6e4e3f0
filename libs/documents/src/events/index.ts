export * from './ingestion-events';
export * from './ingestion-event.publisher';
