import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { TOMO_CONFIG, type WorkerConfig } from '@tomo/config';
import { closeRedisConnection, createRedisConnection } from '@tomo/redis';
import { QueueName } from '@tomo/shared';
import type { ScheduleTickData } from './schedules-queue';
import { SchedulesService } from './schedules.service';

/** Worker side: turns each tick of the schedules queue into a workflow job. */
@Injectable()
export class ScheduleTickWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduleTickWorker.name);
  private worker: Worker<ScheduleTickData> | null = null;
  private connection: Redis | null = null;

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: WorkerConfig,
    private readonly schedules: SchedulesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schedules.installSchedulers();
    this.connection = createRedisConnection(this.config.redisUrl, 'tomo-schedules-worker');
    this.worker = new Worker<ScheduleTickData>(
      QueueName.Schedules,
      async (job) => {
        await this.schedules.tick(job.data.schedule, job.id ?? `${job.data.schedule}:${job.timestamp}`);
      },
      {
        connection: this.connection,
        prefix: this.config.redisPrefix,
        concurrency: 1,
      },
    );
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`Schedule tick ${job?.data.schedule ?? '?'} failed: ${error.message}`),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    if (this.connection) await closeRedisConnection(this.connection);
  }
}
