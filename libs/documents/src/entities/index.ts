export * from './document.entity';
export * from './document-chunk.entity';
export * from './document-share.entity';
export * from './storage-deletion.entity';
