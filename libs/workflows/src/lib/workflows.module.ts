import { type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { createRedisConnection } from '@tomo/redis';
import { SettingsModule } from '@tomo/settings';
import { BuiltinWorkflows } from './builtin-workflows';
import { JobEntity, JobEventEntity, JobStepEntity } from './entities';
import { JobEventStream } from './job-event-stream';
import { JobEventPublisher } from './job-events';
import { JobStore } from './job-store';
import { JobsService } from './jobs.service';
import { workflowKeys } from './redis-keys';
import { createSqlExecutor } from './sql-executor';
import { closeQueue, createWorkflowQueue, WORKFLOW_QUEUE, type WorkflowJobData } from './workflow-queue';
import { WorkflowDiscovery } from './workflow-discovery';
import { WorkflowRegistry } from './workflow-registry';
import { WORKFLOW_WORKER_OPTIONS, WorkflowWorker, type WorkflowWorkerOptions } from './workflow-worker';

const PUBLISHER_CONNECTION = Symbol('PUBLISHER_CONNECTION');

/** Closes what this module opened, after every before-shutdown hook (the worker's drain) ran. */
@Injectable()
class WorkflowConnections implements OnApplicationShutdown {
  constructor(
    @Inject(WORKFLOW_QUEUE) private readonly queue: Queue<WorkflowJobData>,
    @Inject(PUBLISHER_CONNECTION) private readonly publisherConnection: Redis,
    private readonly publisher: JobEventPublisher,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.drain();
    await this.publisherConnection.quit().catch(() => undefined);
    await closeQueue(this.queue);
  }
}

/**
 * The workflow engine for every process: the registry (filled with the workflows of every
 * `@DefinesWorkflows()` provider of the application), the job store, the queue (producer),
 * JobsService (what the API calls) and JobEventStream (live timelines). Workers also import
 * WorkflowWorkerModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([JobEntity, JobStepEntity, JobEventEntity]), SettingsModule, DiscoveryModule],
  providers: [
    WorkflowRegistry,
    WorkflowDiscovery,
    {
      provide: JobStore,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new JobStore(createSqlExecutor(dataSource)),
    },
    {
      provide: PUBLISHER_CONNECTION,
      inject: [TOMO_CONFIG],
      useFactory: (config: CommonConfig) =>
        createRedisConnection(config.redisUrl, 'tomo-job-events-publisher', { failFast: config.redisFailFast }),
    },
    {
      provide: JobEventPublisher,
      inject: [PUBLISHER_CONNECTION, TOMO_CONFIG],
      useFactory: (redis: Redis, config: CommonConfig) => {
        const logger = new Logger(JobEventPublisher.name);
        return new JobEventPublisher(redis, workflowKeys(config.redisPrefix).eventsChannel, (error) =>
          logger.warn(`Could not publish job events (they are stored; late subscribers replay them): ${String(error)}`),
        );
      },
    },
    { provide: WORKFLOW_QUEUE, inject: [TOMO_CONFIG], useFactory: createWorkflowQueue },
    WorkflowConnections,
    JobsService,
    JobEventStream,
    BuiltinWorkflows,
  ],
  exports: [WorkflowRegistry, JobStore, JobEventPublisher, WORKFLOW_QUEUE, JobsService, JobEventStream],
})
export class WorkflowsModule {}

/** Runs workflows: import once, in the worker process. */
@Module({})
export class WorkflowWorkerModule {
  static forRoot(options: WorkflowWorkerOptions = {}): DynamicModule {
    return {
      module: WorkflowWorkerModule,
      imports: [WorkflowsModule],
      providers: [{ provide: WORKFLOW_WORKER_OPTIONS, useValue: options }, WorkflowWorker],
      exports: [WorkflowWorker],
    };
  }
}
