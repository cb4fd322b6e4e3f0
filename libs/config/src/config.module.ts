import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { DocentConfig } from './config.types';
import { loadConfig, type Env } from './load-config';

export interface DocentConfigOptions {
  /** An already validated configuration (the bootstrap loads it once for the adapter too). */
  config?: DocentConfig;
  /** Variables to read instead of `process.env` (tests run several instances in one process). */
  env?: Env;
}

/**
 * Validates the whole environment once and exposes it through `ConfigService` as typed
 * namespaces (`app`, `database`, `redis`, …). Nothing else reads `process.env`.
 */
@Module({})
export class DocentConfigModule {
  static forRoot(options: DocentConfigOptions = {}): Promise<DynamicModule> {
    const config = options.config ?? loadConfig(options.env ?? process.env);
    return ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      validatePredefined: false,
      skipProcessEnv: true,
      cache: true,
      load: [() => ({ ...config })],
    });
  }
}
