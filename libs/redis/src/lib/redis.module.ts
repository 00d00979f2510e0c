import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';

/** The process's shared Redis command connection (not for blocking or subscriber use). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/**
 * A new connection. BullMQ requires `maxRetriesPerRequest: null` on the connections it
 * uses for blocking commands; the same setting keeps commands queued across a reconnect.
 */
export function createRedisConnection(url: string, connectionName: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName });
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
          useFactory: (config: CommonConfig) => createRedisConnection(config.redisUrl, connectionName),
        },
      ],
      exports: [REDIS_CLIENT],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }
}
