export * from './health.constants';
export * from './health.module';
export * from './lifecycle';
export { LIVE_PROBE_PATH, withLiveProbe } from './live-probe';
export { Readiness, type ReadinessReport, type CheckStatus } from './readiness';
export * from './shutdown';
export * from './timeout';
export { METRICS_REGISTRY } from './metrics';
export { CHECK_TIMEOUT_MS } from './indicators';
