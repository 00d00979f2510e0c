import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { AsyncQueue, createRedisConnection, REDIS_CLIENT } from '@tomo/redis';
import { type Role, roleSatisfies } from '@tomo/shared';
import type { NotificationEntity } from './entities';

/** A notification as one user sees it. */
export interface NotificationView extends NotificationEntity {
  read: boolean;
}

/** A notification as it travels over pub/sub (the date as an ISO string). */
type NotificationMessage = Omit<NotificationEntity, 'createdAt'> & {
  createdAt: string;
};

/**
 * New notifications, live, across processes: whoever stores one (API or worker) publishes it on
 * `<prefix>:notifications`; each API process has one subscriber that fans it out to the
 * `notificationAdded` subscriptions whose caller's role may see it.
 */
@Injectable()
export class NotificationStream implements OnApplicationShutdown {
  private readonly logger = new Logger(NotificationStream.name);
  private readonly channel: string;
  private readonly queues = new Map<AsyncQueue<NotificationView>, Role>();
  private subscriber: Redis | null = null;
  private connecting: Promise<void> | null = null;

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.channel = `${config.redisPrefix}:notifications`;
  }

  async publish(notification: NotificationEntity): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(notification));
  }

  /** Resolves once listening, so nothing published after it returns is missed. */
  async added(role: Role): Promise<AsyncIterableIterator<NotificationView>> {
    await this.connect();
    const queue = new AsyncQueue<NotificationView>(() => this.queues.delete(queue));
    this.queues.set(queue, role);
    return queue;
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const subscriber = createRedisConnection(this.config.redisUrl, 'tomo-notifications');
      this.subscriber = subscriber;
      subscriber.on('message', (from: string, payload: string) => {
        if (from !== this.channel) return;
        try {
          const message = JSON.parse(payload) as NotificationMessage;
          const notification: NotificationEntity = {
            ...message,
            createdAt: new Date(message.createdAt),
          };
          for (const [queue, role] of this.queues)
            if (roleSatisfies(role, notification.minRole)) queue.push({ ...notification, read: false });
        } catch (error) {
          this.logger.warn(`Ignored a malformed notification message: ${(error as Error).message}`);
        }
      });
      await subscriber.subscribe(this.channel);
    })();
    return this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const queue of this.queues.keys()) queue.end();
    await this.subscriber?.quit().catch(() => undefined);
  }
}
