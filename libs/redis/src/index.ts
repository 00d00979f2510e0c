export * from './lib/redis.module';
export * from './lib/record-changes';
export * from './lib/async-queue';
export * from './lib/queue-name';
