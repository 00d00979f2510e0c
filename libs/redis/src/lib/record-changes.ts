import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { AsyncQueue } from './async-queue';
import { closeRedisConnection, createRedisConnection, REDIS_CLIENT } from './redis.module';

/** Records whose changes the API streams to its subscribers (`serverUpdated`, `deploymentUpdated`). */
export enum ChangedRecord {
  Server = 'server',
  Deployment = 'deployment',
}

/** What travels over pub/sub: which record changed, never its content (it may hold secrets). */
export interface RecordChange {
  record: ChangedRecord;
  id: string;
}

/** Pub/sub channel of RecordChange messages (JSON), under the install's prefix. */
export const recordChangesChannel = (prefix: string) => `${prefix}:record-changes`;

/**
 * Announces that a record changed, from whichever process changed it (API or worker), after the
 * write: a subscriber then reads the row as it is now. Best effort: a lost message leaves a list
 * a change behind until the next one, while the write itself never waits for Redis or fails with it.
 */
@Injectable()
export class RecordChangePublisher {
  private readonly logger = new Logger(RecordChangePublisher.name);
  private readonly channel: string;

  constructor(
    @Inject(TOMO_CONFIG) config: CommonConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.channel = recordChangesChannel(config.redisPrefix);
  }

  changed(record: ChangedRecord, id: string): void {
    const message: RecordChange = { record, id };
    this.redis
      .publish(this.channel, JSON.stringify(message))
      .catch((error: unknown) =>
        this.logger.warn(`Could not announce the change of ${record} ${id}: ${String(error)}`),
      );
  }
}

/**
 * The API's side: one Redis subscriber per process (opened with the first subscription) fans
 * record changes out to GraphQL subscriptions, each change turned into the row read after it.
 */
@Injectable()
export class RecordChangeStream implements OnApplicationShutdown {
  private readonly logger = new Logger(RecordChangeStream.name);
  private readonly listeners = new Set<(change: RecordChange) => void>();
  private subscriber: Redis | null = null;
  private connecting: Promise<void> | null = null;

  constructor(@Inject(TOMO_CONFIG) private readonly config: CommonConfig) {}

  /**
   * The rows of `record` as they change, loaded by `load` (null: gone, skipped). Loads run one
   * at a time in the order of the changes, so the last row a subscriber gets is the newest.
   */
  async rows<T>(record: ChangedRecord, load: (id: string) => Promise<T | null>): Promise<AsyncIterableIterator<T>> {
    let loading = Promise.resolve();
    const listener = (change: RecordChange) => {
      if (change.record !== record) return;
      loading = loading.then(async () => {
        if (out.closed) return;
        try {
          const row = await load(change.id);
          if (row !== null) out.push(row);
        } catch (error) {
          this.logger.warn(`Could not load ${record} ${change.id} for its subscribers: ${String(error)}`);
        }
      });
    };
    const out = new AsyncQueue<T>(() => this.listeners.delete(listener));
    await this.connect();
    this.listeners.add(listener);
    return out;
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const channel = recordChangesChannel(this.config.redisPrefix);
      const subscriber = createRedisConnection(this.config.redisUrl, 'tomo-record-changes');
      this.subscriber = subscriber;
      subscriber.on('message', (from: string, payload: string) => {
        if (from !== channel) return;
        let change: RecordChange;
        try {
          change = JSON.parse(payload) as RecordChange;
        } catch {
          return;
        }
        for (const listener of this.listeners) listener(change);
      });
      await subscriber.subscribe(channel);
    })();
    return this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    if (this.subscriber) await closeRedisConnection(this.subscriber);
  }
}

/** Import where records change (publisher) or are streamed (stream); needs RedisModule.forRoot. */
@Module({
  providers: [RecordChangePublisher, RecordChangeStream],
  exports: [RecordChangePublisher, RecordChangeStream],
})
export class RecordChangesModule {}
