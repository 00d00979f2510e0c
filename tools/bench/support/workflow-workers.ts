/**
 * The two sides `npm run bench -- workflows` compares, each run in worker processes of its own
 * (forked from the bench with `--bench-worker=raw|engine`), so one or two processes drain the
 * same backlog and the bench's own polling never shares their event loop:
 *  - `engine`: the workflow engine with no-op workflows of 1, 5 and 20 steps;
 *  - `raw`: a plain BullMQ worker doing the same durable work per step: `job.updateData` records
 *    the finished step in Redis before the next one starts and a retried job resumes after it —
 *    the engine's "a finished step never runs again", with one write per step as the engine makes
 *    one commit per step (to Redis at its persistence level rather than to SQL).
 * Configuration comes from the environment the bench sets (createWorkflowTestEnv's, with
 * SQLITE_SYNCHRONOUS or DATABASE_URL). A first step of an input with `mark`
 * sends the instant it started (epoch ms, see epochMs) to the bench over IPC.
 */
import 'reflect-metadata';
import { type DynamicModule, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadWorkerConfig, TomoConfigModule, type WorkerConfig } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { JobKind } from '@tomo/shared';
import { defineWorkflow, WorkflowRegistry, WorkflowsModule, WorkflowWorkerModule } from '@tomo/workflows';
import { epochMs } from './stats';

export const STEP_COUNTS = [1, 5, 20] as const;
export const benchKind = (steps: number): string => `bench.noop.${steps}`;
export const RAW_QUEUE = 'bench-raw';

export interface FirstStepMessage {
  firstStep: string;
  at: number;
}
export interface RawJobData {
  steps: number;
  done: number;
}

const reportFirstStep = (id: string): void => {
  process.send?.({ firstStep: id, at: epochMs() } satisfies FirstStepMessage);
};

@Injectable()
class BenchWorkflows implements OnModuleInit {
  constructor(private readonly registry: WorkflowRegistry) {}

  onModuleInit(): void {
    for (const count of STEP_COUNTS) {
      const workflow = defineWorkflow({ kind: benchKind(count) });
      for (let i = 0; i < count; i++) {
        workflow.step(`noop-${i + 1}`, {
          retry: { maxAttempts: 1 },
          run: async (ctx) => {
            if (i === 0 && ctx.input['mark']) reportFirstStep(ctx.jobId);
            return null;
          },
        });
      }
      this.registry.register(workflow);
    }
  }
}

@Module({ imports: [WorkflowsModule], providers: [BenchWorkflows] })
class BenchWorkflowsModule {}

/** The engine with the bench workflows registered; with `worker`, it also runs them. */
@Module({})
export class BenchEngineModule {
  static forRoot(config: WorkerConfig, worker: boolean): DynamicModule {
    const kinds = [JobKind.SystemPing, JobKind.MaintenancePruneJobs, ...STEP_COUNTS.map(benchKind)];
    return {
      module: BenchEngineModule,
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-bench'),
        WorkflowsModule,
        BenchWorkflowsModule,
        ...(worker ? [WorkflowWorkerModule.forRoot({ kinds, schedulePruning: false })] : []),
      ],
    };
  }
}

/** The worker's configuration: the environment the bench gave this process. */
const benchConfig = (): WorkerConfig => loadWorkerConfig({ ...process.env, LOG_LEVEL: 'warn' }, false);

async function runEngineWorker(): Promise<() => Promise<void>> {
  const app = await NestFactory.createApplicationContext(BenchEngineModule.forRoot(benchConfig(), true), {
    logger: ['error', 'warn'],
  });
  await app.init();
  return () => app.close();
}

async function runRawWorker(): Promise<() => Promise<void>> {
  const config = benchConfig();
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<RawJobData>(
    RAW_QUEUE,
    async (job) => {
      for (let step = job.data.done; step < job.data.steps; step++) {
        // The step's work is nothing, as in the engine's no-op steps; its record is the durable part.
        await job.updateData({ ...job.data, done: step + 1 });
      }
    },
    {
      connection,
      prefix: config.redisPrefix,
      concurrency: config.concurrency,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    },
  );
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    await connection.quit();
  };
}

/** Entry of a forked worker process (`raw` or `engine` as its argument): runs until SIGTERM. */
async function workerMain(side: string): Promise<void> {
  const stop = side === 'engine' ? await runEngineWorker() : await runRawWorker();
  process.once('SIGTERM', () => {
    void stop().then(() => process.exit(0));
  });
  process.send?.('ready');
}

if (require.main === module) {
  workerMain(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(
      `[bench workflows] ${process.argv[2]} worker failed: ${String((error as Error).stack ?? error)}\n`,
    );
    process.exit(1);
  });
}
