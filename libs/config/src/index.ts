export * from './config.types';
export * from './config.module';
export {
  loadConfig,
  loadTelemetryConfig,
  ConfigValidationError,
  DEFAULTS,
  type Env,
} from './load-config';
export { parseDuration, looksLikePlaceholder } from './env-parsers';
