export * from './lib/async-queue';
export * from './lib/console-api';
export * from './lib/error-code';
export * from './lib/job-kind';
export * from './lib/job-status';
export * from './lib/role';
export * from './lib/tomo-exception';
