export * from './lib/config.schema';
export * from './lib/config.module';
export * from './lib/load-config';
export * from './lib/logger-options';
export * from './lib/child-environment';
export * from './lib/graceful-shutdown';
