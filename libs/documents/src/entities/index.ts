export * from './document.entity';
export * from './document-chunk.entity';
export * from './document-share.entity';
