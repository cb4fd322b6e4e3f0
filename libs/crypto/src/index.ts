export * from './crypto-error';
export * from './keyring';
export {
  DEFAULT_SEGMENT_SIZE,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
  STREAM_MAGIC,
  STREAM_VERSION,
  type EncryptStreamOptions,
} from './segmented-stream';
