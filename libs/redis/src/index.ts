export * from './lib/redis.module';
export * from './lib/record-changes';
