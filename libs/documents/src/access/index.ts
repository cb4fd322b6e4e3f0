export * from './document-access';
