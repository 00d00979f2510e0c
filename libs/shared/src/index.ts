export * from './lib/job-kind';
export * from './lib/job-status';
