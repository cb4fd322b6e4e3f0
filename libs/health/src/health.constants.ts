export type HealthCheckName = 'database' | 'redis' | 'queue' | 'storage';
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');
