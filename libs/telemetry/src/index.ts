export * from './error-tracking';
export * from './tracing';
export * from './preload';
