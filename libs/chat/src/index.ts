export * from './chat.contracts';
export * from './chat-http.module';
export * from './chat-worker.module';
