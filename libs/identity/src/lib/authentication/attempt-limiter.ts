import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { REDIS_CLIENT } from '@tomo/redis';

/**
 * Counters in Redis (shared by every API replica) for rate limits and lock-outs. A key counts
 * within a window that starts at its first hit; reaching the limit keeps it blocked until the
 * window ends.
 */
@Injectable()
export class AttemptLimiter {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
  ) {}

  /**
   * Counts a hit. When it reaches `limit`, the key stays blocked for `blockSeconds` from now.
   * Returns the count.
   */
  async hit(key: string, limit: number, windowSeconds: number, blockSeconds = windowSeconds): Promise<number> {
    const redisKey = this.redisKey(key);
    const [[, count]] = (await this.redis.multi().incr(redisKey).expire(redisKey, windowSeconds, 'NX').exec()) as [
      [Error | null, number],
      [Error | null, number],
    ];
    if (count >= limit) await this.redis.expire(redisKey, blockSeconds);
    return count;
  }

  /** Counts a hit unless the key is already at its limit; false when it is. */
  async consume(key: string, limit: number, windowSeconds: number): Promise<boolean> {
    const count = await this.hit(key, limit + 1, windowSeconds);
    return count <= limit;
  }

  /** Takes back one counted hit (a success that should not count against a shared key). */
  async refund(key: string): Promise<void> {
    const redisKey = this.redisKey(key);
    // Only while the key exists, so a refund never creates a key without an expiry.
    await this.redis.eval(
      "if redis.call('exists', KEYS[1]) == 1 and tonumber(redis.call('get', KEYS[1])) > 0 then return redis.call('decr', KEYS[1]) end return 0",
      1,
      redisKey,
    );
  }

  /** Seconds until a blocked key opens again (its TTL in Redis); 0 when it holds no count. */
  async secondsLeft(key: string): Promise<number> {
    return Math.max(0, await this.redis.ttl(this.redisKey(key)));
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key));
  }

  /** Usernames and addresses are hashed so Redis holds no personal data in key names. */
  private redisKey(key: string): string {
    const [kind, ...rest] = key.split(':');
    const digest = createHash('sha256').update(rest.join(':')).digest('hex').slice(0, 32);
    return `${this.config.redisPrefix}:auth-limit:${kind}:${digest}`;
  }
}
