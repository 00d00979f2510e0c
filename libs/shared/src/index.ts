export * from './lib/async-queue';
export * from './lib/error-code';
export * from './lib/job-kind';
export * from './lib/job-status';
export * from './lib/notification-event';
export * from './lib/role';
export * from './lib/tomo-exception';
