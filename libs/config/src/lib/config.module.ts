import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { CommonConfig } from './config.schema';

/** Injection token of the process's validated config (ApiConfig or WorkerConfig). */
export const TOMO_CONFIG = Symbol('TOMO_CONFIG');

/** Makes the config that main.ts loaded (once, before Nest starts) injectable everywhere. */
@Global()
@Module({})
export class TomoConfigModule {
  static forRoot(config: CommonConfig): DynamicModule {
    return {
      module: TomoConfigModule,
      providers: [{ provide: TOMO_CONFIG, useValue: config }],
      exports: [TOMO_CONFIG],
    };
  }
}
