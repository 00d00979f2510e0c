import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { TOMO_CONFIG, type WorkerConfig } from '@tomo/config';
import { closeRedisConnection, createRedisConnection, QueueName } from '@tomo/redis';
import type { ScheduleTickData } from './schedules-queue';
import { SchedulesService } from './schedules.service';

export const SCHEDULES_WORKER_OPTIONS = Symbol('SCHEDULES_WORKER_OPTIONS');

export interface SchedulesWorkerOptions {
  /** How often the worker checks that Redis still has every schedule's job scheduler (default 60 s). */
  repairEveryMs?: number;
}

const REPAIR_EVERY_MS = 60_000;

/** Worker side: turns each tick of the schedules queue into a workflow job, and keeps the schedulers in Redis. */
@Injectable()
export class ScheduleTickWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduleTickWorker.name);
  private worker: Worker<ScheduleTickData> | null = null;
  private connection: Redis | null = null;
  private repairTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: WorkerConfig,
    @Inject(SCHEDULES_WORKER_OPTIONS) private readonly options: SchedulesWorkerOptions,
    private readonly schedules: SchedulesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schedules.installSchedulers();
    this.repairTimer = setInterval(() => void this.repair(), this.options.repairEveryMs ?? REPAIR_EVERY_MS);
    this.repairTimer.unref();
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

  private async repair(): Promise<void> {
    try {
      const repaired = await this.schedules.repairSchedulers();
      if (repaired.length > 0)
        this.logger.warn(`Redis had lost the schedulers of ${repaired.join(', ')}; installed them again`);
    } catch (error) {
      this.logger.warn(`Checking the schedulers failed (next try later): ${(error as Error).message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.repairTimer) clearInterval(this.repairTimer);
    await this.worker?.close();
    if (this.connection) await closeRedisConnection(this.connection);
  }
}
