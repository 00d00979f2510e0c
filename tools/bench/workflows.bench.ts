/**
 * `npm run bench -- workflows`: in one run, at the same worker concurrency,
 *  - raw BullMQ: no-op jobs drained per second,
 *  - the workflow engine: no-op 5-step workflows drained per second (reported as steps/s),
 *  - enqueue → first step start latency of the engine (p50/p99; one job at a time, idle worker).
 * Both throughput figures drain a backlog that was queued beforehand (queue paused / worker not
 * yet running), so they measure processing, not enqueueing. Temp SQLite file, own Redis prefix,
 * everything removed at the end. Prints one JSON line on stdout.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type DynamicModule, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { loadWorkerConfig, TomoConfigModule, type WorkerConfig } from '@tomo/config';
import { DatabaseModule, dataSourceOptions } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { JobKind, JobStatus } from '@tomo/shared';
import { JobsService, JobStore, WORKFLOW_QUEUE, type WorkflowJobData, WorkflowRegistry, WorkflowsModule, WorkflowWorkerModule } from '@tomo/workflows';

const arg = (name: string, fallback: number) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const CONCURRENCY = arg('concurrency', 8);
const RAW_JOBS = arg('raw-jobs', 20_000);
const WORKFLOWS = arg('workflows', 3_000);
const LATENCY_SAMPLES = arg('latency-samples', 300);
const STEPS = 5;
const BENCH_KIND = 'bench.noop';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const progress = (message: string) => process.stderr.write(`[bench workflows] ${message}\n`);
const firstStepAt = new Map<string, number>();

@Injectable()
class BenchWorkflows implements OnModuleInit {
  constructor(private readonly registry: WorkflowRegistry) {}

  onModuleInit(): void {
    this.registry.register({
      kind: BENCH_KIND,
      steps: Array.from({ length: STEPS }, (_, i) => ({
        name: `noop-${i + 1}`,
        retry: { maxAttempts: 1 },
        run: async (ctx) => {
          if (i === 0 && (ctx.input as { mark?: boolean }).mark) firstStepAt.set(ctx.jobId, performance.now());
          return null;
        },
      })),
    });
  }
}

@Module({ imports: [WorkflowsModule], providers: [BenchWorkflows] })
class BenchWorkflowsModule {}

@Module({})
class BenchRootModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: BenchRootModule,
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-bench'),
        WorkflowsModule,
        BenchWorkflowsModule,
        WorkflowWorkerModule.forRoot({ kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs, BENCH_KIND], schedulePruning: false }),
      ],
    };
  }
}

async function rawBullmq(prefix: string): Promise<{ jobsPerSec: number; latencyP50Ms: number; nodeCpuPct: number; redisCpuPct: number }> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('bench-raw', { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  for (let i = 0; i < RAW_JOBS; i += 1_000) {
    await queue.addBulk(Array.from({ length: Math.min(1_000, RAW_JOBS - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
  }
  let done = 0;
  let started = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let startedAt: ((t: number) => void) | null = null;
  const workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(
    'bench-raw',
    async () => {
      startedAt?.(performance.now());
    },
    { connection: workerConnection, prefix, concurrency: CONCURRENCY, autorun: false, removeOnComplete: { count: 0 } },
  );
  worker.on('completed', () => {
    if (++done === RAW_JOBS) finish();
  });
  await worker.waitUntilReady();
  const cpu0 = process.cpuUsage();
  const redisCpu0 = await redisCpu();
  const t0 = performance.now();
  void worker.run();
  await finished;
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const nodeCpuPct = ((cpu.user + cpu.system) / 1000 / elapsed) * 100;
  const redisCpuPct = (((await redisCpu()) - redisCpu0) / elapsed) * 100;
  started = done;

  // Raw add → processor start latency, for reference.
  const samples: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const at = new Promise<number>((resolve) => (startedAt = resolve));
    await queue.add('noop', {});
    samples.push((await at) - t);
  }
  startedAt = null;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  await workerConnection.quit();
  progress(`raw BullMQ: ${started} jobs in ${elapsed.toFixed(0)} ms (CPU: node ${nodeCpuPct.toFixed(0)}%, redis ${redisCpuPct.toFixed(0)}%)`);
  return { jobsPerSec: (RAW_JOBS / elapsed) * 1_000, latencyP50Ms: percentile(samples, 50), nodeCpuPct, redisCpuPct };
}

async function engine(config: WorkerConfig) {
  const app = await NestFactory.createApplicationContext(BenchRootModule.forRoot(config), { logger: ['error', 'warn'] });
  await app.init();
  const jobs = app.get(JobsService);
  const store = app.get(JobStore);
  const queue = app.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE);
  // O(1) index probe (a COUNT over the growing table would itself cost the engine throughput).
  const allFinished = async () =>
    (await store.executor.query('SELECT 1 FROM "job" WHERE "status" IN (?, ?, ?) LIMIT 1', [JobStatus.Queued, JobStatus.Running, JobStatus.Waiting]))
      .length === 0;

  // Warm up (JIT, statement cache).
  for (let i = 0; i < 200; i++) await jobs.create(BENCH_KIND, {}, { requestedBy: null });
  while (!(await allFinished())) await sleep(20);

  // Throughput: queue a backlog while the queue is paused, then drain it.
  await queue.pause();
  for (let i = 0; i < WORKFLOWS; i++) await jobs.create(BENCH_KIND, {}, { requestedBy: null });
  const cpu0 = process.cpuUsage();
  const redisCpu0 = await redisCpu();
  const t0 = performance.now();
  await queue.resume();
  while (!(await allFinished())) await sleep(5);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const nodeCpuPct = ((cpu.user + cpu.system) / 1000 / elapsed) * 100;
  const redisCpuPct = (((await redisCpu()) - redisCpu0) / elapsed) * 100;
  progress(
    `engine: ${WORKFLOWS} workflows (${WORKFLOWS * STEPS} steps) in ${elapsed.toFixed(0)} ms (CPU: node ${nodeCpuPct.toFixed(0)}%, redis ${redisCpuPct.toFixed(0)}%)`,
  );

  // Latency: one job at a time on an idle worker, enqueue call → first step starts.
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES + 20; i++) {
    const t = performance.now();
    const job = await jobs.create(BENCH_KIND, { mark: true }, { requestedBy: null });
    while (!firstStepAt.has(job.id)) await sleep(0);
    if (i >= 20) samples.push((firstStepAt.get(job.id) ?? 0) - t);
    while ((await jobs.get(job.id)).status !== JobStatus.Succeeded) await sleep(1);
  }
  const failed = await store.executor.query('SELECT COUNT(*) AS n FROM "job" WHERE "status" != ?', [JobStatus.Succeeded]);
  if (Number(failed[0]['n']) > 0) throw new Error(`${String(failed[0]['n'])} bench workflows did not succeed`);
  await app.close();
  return {
    workflowsPerSec: (WORKFLOWS / elapsed) * 1_000,
    latencyP50Ms: percentile(samples, 50),
    latencyP99Ms: percentile(samples, 99),
    nodeCpuPct,
    redisCpuPct,
  };
}

async function redisCpu(): Promise<number> {
  const redis = new Redis(REDIS_URL);
  const info = await redis.info('cpu');
  await redis.quit();
  const value = (key: string) => Number(new RegExp(`${key}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (value('used_cpu_user') + value('used_cpu_sys')) * 1000;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleep = (ms: number) => new Promise((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
const round = (value: number, digits: number) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-bench-'));
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const config = loadWorkerConfig(
    {
      DATA_DIR: dataDir,
      REDIS_URL,
      TOMO_REDIS_PREFIX: prefix,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      LOG_LEVEL: 'warn',
      // FULL (the default) or NORMAL, to measure what durability costs.
      SQLITE_SYNCHRONOUS: process.env['SQLITE_SYNCHRONOUS'] ?? 'FULL',
    },
    false,
  );
  const migrate = new DataSource(dataSourceOptions(config.database));
  await migrate.initialize();
  await migrate.runMigrations();
  await migrate.destroy();
  try {
    const raw = await rawBullmq(prefix);
    const eng = await engine(config);
    const engineStepsPerSec = eng.workflowsPerSec * STEPS;
    process.stdout.write(
      `${JSON.stringify({
        rawJobsPerSec: round(raw.jobsPerSec, 0),
        engineStepsPerSec: round(engineStepsPerSec, 0),
        ratio: round(engineStepsPerSec / raw.jobsPerSec, 3),
        latencyP50Ms: round(eng.latencyP50Ms, 2),
        latencyP99Ms: round(eng.latencyP99Ms, 2),
        engineWorkflowsPerSec: round(eng.workflowsPerSec, 0),
        rawLatencyP50Ms: round(raw.latencyP50Ms, 2),
        // Busy time of this process and of Redis during each drain, in % of one core: below
        // ~100% for node means other processes on the machine took CPU and the figure is low.
        rawCpuPct: { node: round(raw.nodeCpuPct, 0), redis: round(raw.redisCpuPct, 0) },
        engineCpuPct: { node: round(eng.nodeCpuPct, 0), redis: round(eng.redisCpuPct, 0) },
        concurrency: CONCURRENCY,
        stepsPerWorkflow: STEPS,
        database: 'sqlite',
        cpus: cpus().length,
      })}\n`,
    );
  } finally {
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench workflows] failed: ${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  },
);
