export { closeRedisConnection, createRedisConnection, REDIS_CLIENT, RedisModule } from './lib/redis.module';
export { ChangedRecord, RecordChangePublisher, RecordChangesModule, RecordChangeStream } from './lib/record-changes';
export { AsyncQueue, DEFAULT_ASYNC_QUEUE_LIMIT, StreamEndedError } from './lib/async-queue';
export { QueueName } from './lib/queue-name';
