/**
 * `npm run bench -- workflows [--repeats=5] [--steps-per-drain=5000] [--idle-samples=10000]
 *  [--load-samples=10000] [--load-share=0.5] [--concurrency=8]`: the workflow engine against
 * raw BullMQ doing the same durable work (one record per finished step: see
 * support/workflow-workers.ts), per job. A quick run (about a minute): `--repeats=1
 * --steps-per-drain=500 --idle-samples=200 --load-samples=200`.
 *
 * Setups, each with its own worker processes, data directory and Redis prefix, all started
 * before the first measurement so that every repeat interleaves all of them:
 *  - SQLite `synchronous` FULL (the default) and NORMAL, one worker process: 1, 5 and 20 steps;
 *  - Postgres (a temp database on 127.0.0.1:5432 that the bench creates and drops): 5 steps;
 *  - two worker processes on one SQLite file (FULL): 5 steps, against raw BullMQ on two processes.
 * A measurement drains a backlog queued while the queue was paused (processing, not enqueueing):
 * `--steps-per-drain` ÷ steps workflows. In every repeat each cell measures raw then engine, or
 * engine then raw (alternating), and its ratio is engine workflows/s ÷ raw jobs/s of that pair;
 * the JSON gives the median and the min–max over the repeats. Raw's step records are as durable
 * as the Redis is (`env.redisPersistence`: without AOF, not at all), while a FULL commit waits for
 * an fsync: NORMAL (fsync at checkpoints) is the closer match to a Redis without AOF.
 *
 * Postgres is TOMO_TEST_POSTGRES_URL's server (default 127.0.0.1:5432).
 *
 * Latency, enqueue call → the first step starts (SQLite FULL, 5 steps, one worker process),
 * timed in two processes with epochMs (the same machine clock): idle (one job at a time) and
 * under a steady load (every job a sample, enqueued at `--load-share` of the engine's median
 * throughput).
 * One JSON line on stdout; the temp files, database and Redis keys are removed at the end.
 */
import 'reflect-metadata';
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JobStatus } from '@tomo/shared';
import { createPostgresTestDatabase, createWorkflowTestEnv, TEST_REDIS_URL as REDIS_URL } from '@tomo/testing';
import { JobsService, JobStore, WORKFLOW_QUEUE, type WorkflowJobData } from '@tomo/workflows';
import { numberArg, runEnv } from '../chaos/support/run-env';
import { epochMs, percentile, round, sleep, summary } from './support/stats';
import {
  BenchEngineModule,
  benchKind,
  type FirstStepMessage,
  RAW_QUEUE,
  type RawJobData,
} from './support/workflow-workers';

const REPEATS = numberArg('repeats', 5);
const STEPS_PER_DRAIN = numberArg('steps-per-drain', 5_000);
const IDLE_SAMPLES = numberArg('idle-samples', 10_000);
const LOAD_SAMPLES = numberArg('load-samples', 10_000);
const CONCURRENCY = numberArg('concurrency', 8);
/** The steady load of the latency run, as a share of the engine's measured median throughput. */
const LOAD_SHARE = numberArg('load-share', 0.5);
const WORKERS_FILE = join(__dirname, 'support', 'workflow-workers.ts');

const progress = (message: string): void => {
  process.stderr.write(`[bench workflows] ${message}\n`);
};

interface SetupSpec {
  name: string;
  env: Record<string, string>;
  processes: number;
  steps: number[];
}

/** One engine installation (driven from here, run by its worker processes) and its raw twin. */
interface Setup extends SetupSpec {
  app: INestApplicationContext;
  jobs: JobsService;
  store: JobStore;
  queue: Queue<WorkflowJobData>;
  rawQueue: Queue<RawJobData>;
  children: ChildProcess[];
  /** Deletes the data directory and the Redis keys of the setup. */
  cleanup(): Promise<void>;
}

/** First-step instants reported by the engine's worker processes, by job id. */
const firstSteps = new Map<string, number>();
const firstStepWaiters = new Map<string, (at: number) => void>();
const onWorkerMessage = (message: unknown): void => {
  const { firstStep, at } = message as FirstStepMessage;
  if (!firstStep) return;
  const waiter = firstStepWaiters.get(firstStep);
  if (waiter) {
    firstStepWaiters.delete(firstStep);
    waiter(at);
  } else firstSteps.set(firstStep, at);
};
const firstStepOf = (id: string): Promise<number> => {
  const at = firstSteps.get(id);
  if (at !== undefined) {
    firstSteps.delete(id);
    return Promise.resolve(at);
  }
  return new Promise((resolve) => firstStepWaiters.set(id, resolve));
};

function startWorker(side: 'raw' | 'engine', env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = fork(WORKERS_FILE, [side], {
    env,
    execArgv: ['-r', '@swc-node/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', onWorkerMessage);
  return new Promise((resolve, reject) => {
    child.once('message', (message) =>
      message === 'ready' ? resolve(child) : reject(new Error(`${side} worker: ${String(message)}`)),
    );
    child.once('exit', (code) => reject(new Error(`${side} worker exited with ${code} before it was ready`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function startSetup(spec: SetupSpec): Promise<Setup> {
  // JOB_STALL_TIMEOUT_MS back to the platform's default (the test env shortens it for takeovers).
  const testEnv = await createWorkflowTestEnv({
    ...spec.env,
    WORKER_CONCURRENCY: String(CONCURRENCY),
    JOB_STALL_TIMEOUT_MS: '15000',
  });
  const env = { ...process.env, ...testEnv.env };
  const app = await NestFactory.createApplicationContext(BenchEngineModule.forRoot(testEnv.config, false), {
    logger: ['error', 'warn'],
  });
  await app.init();
  const rawQueue = new Queue<RawJobData>(RAW_QUEUE, {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    prefix: testEnv.config.redisPrefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });
  const children: ChildProcess[] = [];
  for (let i = 0; i < spec.processes; i++)
    children.push(await startWorker('engine', env), await startWorker('raw', env));
  progress(`${spec.name}: ${spec.processes} engine + ${spec.processes} raw worker process(es) ready`);
  return {
    ...spec,
    app,
    jobs: app.get(JobsService),
    store: app.get(JobStore),
    queue: app.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE),
    rawQueue,
    children,
    cleanup: testEnv.cleanup,
  };
}

async function engineUnfinished(setup: Setup): Promise<boolean> {
  // O(1) index probe: a COUNT over the growing table would itself cost the engine throughput.
  const rows = await setup.store.executor.query('SELECT 1 FROM "job" WHERE "status" IN (?, ?, ?) LIMIT 1', [
    JobStatus.Queued,
    JobStatus.Running,
    JobStatus.Waiting,
  ]);
  return rows.length > 0;
}

/** Engine workflows/s draining a backlog of `n` workflows of `steps` steps. */
async function drainEngine(setup: Setup, steps: number, n: number): Promise<number> {
  await setup.queue.pause();
  for (let i = 0; i < n; i++) await setup.jobs.create(benchKind(steps), {}, { requestedBy: null });
  const t0 = performance.now();
  await setup.queue.resume();
  while (await engineUnfinished(setup)) await sleep(5);
  return (n / (performance.now() - t0)) * 1_000;
}

/** Raw BullMQ jobs/s draining a backlog of `n` jobs of `steps` recorded steps. */
async function drainRaw(setup: Setup, steps: number, n: number): Promise<number> {
  await setup.rawQueue.pause();
  for (let i = 0; i < n; i += 1_000) {
    await setup.rawQueue.addBulk(
      Array.from({ length: Math.min(1_000, n - i) }, () => ({ name: 'noop', data: { steps, done: 0 } })),
    );
  }
  const t0 = performance.now();
  await setup.rawQueue.resume();
  const left = async () =>
    Object.values(await setup.rawQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized')).reduce(
      (a, b) => a + b,
      0,
    );
  while ((await left()) > 0) await sleep(5);
  return (n / (performance.now() - t0)) * 1_000;
}

/** Enqueue → first step, one 5-step job at a time on an idle worker. */
async function idleLatency(setup: Setup, samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = epochMs();
    const job = await setup.jobs.create(benchKind(5), { mark: true }, { requestedBy: null });
    latencies.push((await firstStepOf(job.id)) - t);
    while (await engineUnfinished(setup)) await sleep(1);
  }
  return latencies;
}

/** Enqueue → first step of every job while jobs arrive at a steady `perSecond`. */
async function loadedLatency(setup: Setup, samples: number, perSecond: number): Promise<number[]> {
  const latencies: Promise<number>[] = [];
  const t0 = performance.now();
  while (latencies.length < samples) {
    const due = Math.min(samples, Math.floor(((performance.now() - t0) / 1_000) * perSecond) + 1);
    while (latencies.length < due) {
      const t = epochMs();
      const job = await setup.jobs.create(benchKind(5), { mark: true }, { requestedBy: null });
      latencies.push(firstStepOf(job.id).then((at) => at - t));
    }
    await sleep(2);
  }
  const result = await Promise.all(latencies);
  while (await engineUnfinished(setup)) await sleep(5);
  return result;
}

async function assertAllSucceeded(setup: Setup): Promise<void> {
  const [row] = await setup.store.executor.query('SELECT COUNT(*) AS n FROM "job" WHERE "status" != ?', [
    JobStatus.Succeeded,
  ]);
  if (Number(row['n']) > 0) throw new Error(`${setup.name}: ${String(row['n'])} bench workflows did not succeed`);
}

async function stopSetup(setup: Setup): Promise<void> {
  for (const child of setup.children) await stopWorker(child);
  await setup.rawQueue.close();
  await setup.app.close();
  await setup.cleanup();
}

async function main(): Promise<void> {
  const postgres = await createPostgresTestDatabase();

  const specs: SetupSpec[] = [
    { name: 'sqlite-FULL', env: { SQLITE_SYNCHRONOUS: 'FULL' }, processes: 1, steps: [1, 5, 20] },
    { name: 'sqlite-NORMAL', env: { SQLITE_SYNCHRONOUS: 'NORMAL' }, processes: 1, steps: [1, 5, 20] },
    { name: 'postgres', env: { DATABASE_URL: postgres.url }, processes: 1, steps: [5] },
    { name: 'sqlite-FULL-2-processes', env: { SQLITE_SYNCHRONOUS: 'FULL' }, processes: 2, steps: [5] },
  ];
  const setups: Setup[] = [];
  try {
    for (const spec of specs) setups.push(await startSetup(spec));
    const [defaultSetup] = setups;

    progress('warm-up: one drain of each cell');
    for (const setup of setups) {
      for (const steps of setup.steps) {
        await drainRaw(setup, steps, Math.ceil(STEPS_PER_DRAIN / steps / 5));
        await drainEngine(setup, steps, Math.ceil(STEPS_PER_DRAIN / steps / 5));
      }
    }

    const cells = setups.flatMap((setup) =>
      setup.steps.map((steps) => ({
        setup,
        steps,
        raw: [] as number[],
        engine: [] as number[],
        ratio: [] as number[],
      })),
    );
    for (let r = 0; r < REPEATS; r++) {
      for (const cell of cells) {
        const n = Math.ceil(STEPS_PER_DRAIN / cell.steps);
        const rawFirst = r % 2 === 0;
        const raw = rawFirst ? await drainRaw(cell.setup, cell.steps, n) : 0;
        const engine = await drainEngine(cell.setup, cell.steps, n);
        const rawAfter = rawFirst ? raw : await drainRaw(cell.setup, cell.steps, n);
        cell.raw.push(rawAfter);
        cell.engine.push(engine);
        cell.ratio.push(engine / rawAfter);
      }
      progress(
        `repeat ${r + 1}/${REPEATS} (${r % 2 === 0 ? 'raw first' : 'engine first'}): ` +
          cells
            .map(
              (c) =>
                `${c.setup.name}/${c.steps} ${c.ratio[r].toFixed(2)} (${c.engine[r].toFixed(0)} vs ${c.raw[r].toFixed(0)}/s)`,
            )
            .join(', '),
      );
    }

    const defaultCell = cells.find((c) => c.setup === defaultSetup && c.steps === 5);
    if (!defaultCell) throw new Error('no sqlite-FULL 5-step cell');
    progress(`latency idle: ${IDLE_SAMPLES} samples, one job at a time`);
    const idle = await idleLatency(defaultSetup, IDLE_SAMPLES);
    const loadRate = Math.max(1, Math.round(summary(defaultCell.engine).median * LOAD_SHARE));
    progress(
      `latency under load: ${LOAD_SAMPLES} samples at ${loadRate} workflows/s (${Math.round(LOAD_SHARE * 100)} % of the median throughput)`,
    );
    const loaded = await loadedLatency(defaultSetup, LOAD_SAMPLES, loadRate);
    for (const setup of setups) await assertAllSucceeded(setup);
    const postgresSetup = setups.find((setup) => setup.name === 'postgres');
    const [{ server_version: postgresVersion }] = (await postgresSetup?.store.executor.query(
      'SHOW server_version',
    )) ?? [{}];

    const sweep: Record<string, Record<string, unknown>> = {};
    for (const cell of cells) {
      sweep[cell.setup.name] = {
        ...sweep[cell.setup.name],
        [`${cell.steps}steps`]: {
          ratio: summary(cell.ratio, 3),
          engineWorkflowsPerSec: summary(cell.engine, 0),
          rawJobsPerSec: summary(cell.raw, 0),
        },
      };
    }
    const ratio = summary(defaultCell.ratio, 3);
    process.stdout.write(
      `${JSON.stringify({
        ratio: ratio.median,
        spread: { min: ratio.min, max: ratio.max },
        repeats: REPEATS,
        sweep,
        latencyP50Ms: round(percentile(loaded, 50)),
        latencyP99Ms: round(percentile(loaded, 99)),
        latencyIdleP50Ms: round(percentile(idle, 50)),
        latencyIdleP99Ms: round(percentile(idle, 99)),
        latencySamples: { idle: idle.length, underLoad: loaded.length },
        loadWorkflowsPerSec: loadRate,
        concurrency: CONCURRENCY,
        stepsPerDrain: STEPS_PER_DRAIN,
        rawDurableWork: 'job.updateData per step',
        env: await runEnv(REDIS_URL, `sqlite (FULL, NORMAL) + postgres ${String(postgresVersion)}`),
      })}\n`,
    );
  } finally {
    for (const setup of setups) await stopSetup(setup);
    await postgres.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    progress(`failed: ${String((error as Error).stack ?? error)}`);
    process.exit(1);
  },
);
