import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';

/** The process's shared Redis command connection (not for blocking or subscriber use). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/**
 * A new connection. BullMQ requires `maxRetriesPerRequest: null` on the connections it
 * uses for blocking commands; the same setting keeps commands queued across a reconnect.
 * `failFast` (command connections of the API, see `CommonConfig.redisFailFast`): a command
 * fails with MaxRetriesPerRequestError after one reconnection attempt instead, so that a
 * request answers UNAVAILABLE rather than hanging until Redis is back.
 */
export function createRedisConnection(
  url: string,
  connectionName: string,
  options: { failFast?: boolean } = {},
): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: options.failFast ? 1 : null, connectionName });
  // ioredis reconnects by itself; without a listener every failed attempt is logged as an
  // "Unhandled error event". Report a lost connection once, and its return.
  const logger = new Logger(`Redis:${connectionName}`);
  let reported = false;
  redis.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    logger.warn(`Redis connection failed (${error.message}); retrying in the background`);
  });
  redis.on('ready', () => {
    if (reported) logger.log('Redis connection restored');
    reported = false;
  });
  return redis;
}

/**
 * Closes a connection without hanging: `quit()` waits for queued commands, which never
 * complete while Redis is unreachable, so a connection that is not ready is dropped.
 */
export async function closeRedisConnection(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  const timer = setTimeout(() => redis.disconnect(), timeoutMs);
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

@Global()
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  static forRoot(connectionName: string): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS_CLIENT,
          inject: [TOMO_CONFIG],
          useFactory: (config: CommonConfig) =>
            createRedisConnection(config.redisUrl, connectionName, { failFast: config.redisFailFast }),
        },
      ],
      exports: [REDIS_CLIENT],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisConnection(this.redis);
  }
}
