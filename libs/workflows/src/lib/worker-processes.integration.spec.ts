import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { JobStatus, StepStatus } from '@tomo/shared';
import { createWorkflowTestEnv, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { startTestWorker, type TestWorkerProcess } from '../testing/test-worker-process';
import { TestKind, traceKey, WorkflowTestRootModule } from '../testing/test-workflows';
import type { JobRow } from './job-store';
import { JobsService } from './jobs.service';
import { workflowKeys } from './redis-keys';

/**
 * Real worker processes (forked, TypeScript through swc) on one Redis and one SQLite file;
 * this process only creates jobs and reads the record.
 */
describe('workflow worker processes', () => {
  let env: WorkflowTestEnv;
  let producer: INestApplicationContext;
  let jobs: JobsService;
  let redis: Redis;
  const workers: TestWorkerProcess[] = [];

  const spawnWorker = async (extra: Record<string, string> = {}) => {
    const worker = await startTestWorker({ ...env.env, ...extra });
    workers.push(worker);
    return worker;
  };

  const trace = () => redis.lrange(traceKey(env.config.redisPrefix), 0, -1);

  const until = (jobId: string, statuses: JobStatus[], timeoutMs = 30_000): Promise<JobRow> =>
    waitFor(
      async () => {
        const job = await jobs.get(jobId);
        return statuses.includes(job.status) && job;
      },
      `job ${jobId} to be ${statuses.join(' or ')}`,
      timeoutMs,
      50,
    );

  beforeEach(async () => {
    env = await createWorkflowTestEnv({ JOB_STALL_TIMEOUT_MS: '2000', WORKER_CONCURRENCY: '2' });
    redis = new Redis(env.config.redisUrl);
    producer = await NestFactory.createApplicationContext(
      WorkflowTestRootModule.forRoot(env.config, { worker: false }),
      {
        logger: ['error', 'warn'],
      },
    );
    await producer.init();
    jobs = producer.get(JobsService);
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
    }
    await producer.close();
    await redis.quit();
    await env.cleanup();
  });

  it('resumes a job after kill -9 of its worker mid-step: another worker takes it over and no finished step runs again', async () => {
    const a = await spawnWorker();
    const { id } = await jobs.create(TestKind.Resumable, { slowMs: 60_000 }, { requestedBy: null });
    await waitFor(async () => (await trace()).includes(`two:start-1:${a.child.pid}`), 'step two to start on worker A');
    // The engine records a step's start once it has run for a moment (fast steps write start and
    // finish together); kill only after that, so this is a crash in the middle of a started step.
    await waitFor(
      async () => (await jobs.steps(id))[1]?.status === StepStatus.Running,
      'step two to be recorded as running',
    );

    a.child.kill('SIGKILL');
    expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const killedAt = Date.now();
    const b = await spawnWorker();

    const job = await until(id, [JobStatus.Succeeded, JobStatus.Failed]);
    expect(job.status).toBe(JobStatus.Succeeded);
    // Taken over once A's lock ran out (JOB_STALL_TIMEOUT_MS = 2 s, renewed every 1 s), not before.
    const resumed = (await jobs.events(id)).find((e) => e.type === 'step.started' && e.message.includes('interrupted'));
    expect((resumed?.at.getTime() ?? 0) - killedAt).toBeGreaterThanOrEqual(900);
    expect(await trace()).toEqual([
      `one:run:${a.child.pid}`,
      `two:start-1:${a.child.pid}`,
      `two:start-2:${b.child.pid}`,
      `two:end-2:${b.child.pid}`,
      `three:run:${b.child.pid}`,
    ]);
    expect((await jobs.steps(id)).map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['one', StepStatus.Succeeded, 1],
      ['two', StepStatus.Succeeded, 2],
      ['three', StepStatus.Succeeded, 1],
    ]);
    expect(resumed).toMatchObject({ step: 'two', message: 'Attempt 2 of 3 (the previous attempt was interrupted)' });
    const events = await jobs.events(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('on SIGTERM stops taking jobs, lets the running step finish, hands the job back and exits; another worker continues', async () => {
    const a = await spawnWorker();
    const { id } = await jobs.create(TestKind.Resumable, { slowMs: 1_500 }, { requestedBy: null });
    await waitFor(async () => (await trace()).includes(`two:start-1:${a.child.pid}`), 'step two to start on worker A');

    const stoppingAt = Date.now();
    a.child.kill('SIGTERM');
    await a.exited;
    // It waited for the step (about 1.5 s), not for SHUTDOWN_TIMEOUT_MS (10 s).
    expect(Date.now() - stoppingAt).toBeLessThan(8_000);
    expect(await trace()).toEqual([`one:run:${a.child.pid}`, `two:start-1:${a.child.pid}`, `two:end-1:${a.child.pid}`]);
    const handedBack = await jobs.get(id);
    expect(handedBack.status).toBe(JobStatus.Queued);
    expect((await jobs.events(id)).at(-1)).toMatchObject({ type: 'job.requeued', status: JobStatus.Queued });

    const b = await spawnWorker();
    await until(id, [JobStatus.Succeeded]);
    expect((await trace()).slice(3)).toEqual([`three:run:${b.child.pid}`]);
    expect((await jobs.steps(id)).map((s) => s.attempts)).toEqual([1, 1, 1]);
  });

  it('never runs one job on two workers at once: a worker whose event loop was blocked past its lease stops and writes nothing', async () => {
    const a = await spawnWorker();
    // 8 s of blocked event loop against a 2 s lease: the job is free for another run meanwhile.
    const { id } = await jobs.create(TestKind.Hog, { blockMs: 8_000, effectAfterMs: 300 }, { requestedBy: null });
    await waitFor(async () => (await trace()).includes(`hog:start-1:${a.child.pid}`), 'step hog to start on worker A');
    // A second worker that can take the job over while A is blocked.
    await spawnWorker();

    const job = await until(id, [JobStatus.Succeeded, JobStatus.Failed]);
    expect(job.status).toBe(JobStatus.Succeeded);
    // A's event loop may come back after the job finished elsewhere: give it time to do (or not do) its effect.
    const finishedAt = job.finishedAt?.getTime() ?? Date.now();
    await waitFor(async () => Date.now() - finishedAt > 1_500 || null, 'A to come back', 10_000, 100);
    // Exactly one run's effects: the blocked run did nothing after its lease ran out; the run that
    // took the job over (B, or A itself once its stalled job was free again) did the effect once.
    const entries = await trace();
    expect(entries[0]).toBe(`hog:start-1:${a.child.pid}`);
    const effects = entries.filter((entry) => entry.includes(':effect-'));
    expect(effects).toHaveLength(1);
    const effectPid = Number(effects[0].split(':').pop());
    expect(
      entries
        .slice(1, entries.indexOf(effects[0]))
        .some((entry) => entry.startsWith(`hog:start-`) && entry.endsWith(`:${effectPid}`)),
    ).toBe(true);
    expect(entries.filter((entry) => entry.startsWith('after:'))).toEqual([`after:run:${effectPid}`]);
    const steps = await jobs.steps(id);
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['hog', StepStatus.Succeeded],
      ['after', StepStatus.Succeeded],
    ]);
    expect(steps[0].output).toEqual({ attempt: expect.any(Number), pid: effectPid });
    const events = await jobs.events(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'step.succeeded' && e.step === 'hog')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'job.succeeded', status: JobStatus.Succeeded });
    // A is alive and well: it goes on taking jobs.
    expect(a.child.exitCode).toBeNull();
  });

  it('stops a step whose server lock lease is lost (another job may hold the server now), then runs it again once it holds the lock', async () => {
    await spawnWorker();
    const { id } = await jobs.create(TestKind.Mutating, { ms: 3_000 }, { requestedBy: null, serverId: 'lease-srv' });
    await waitFor(
      async () => (await trace()).some((entry) => entry.startsWith(`work:start:${id}:`)),
      'the work to start',
    );
    // The lease runs out under the worker (as after a pause longer than the lease): Redis no longer counts it as the holder.
    expect(await redis.zrem(workflowKeys(env.config.redisPrefix).serverLock('lease-srv'), id)).toBe(1);

    const job = await until(id, [JobStatus.Succeeded, JobStatus.Failed]);
    expect(job.status).toBe(JobStatus.Succeeded);
    // The first attempt was stopped before its end: it started again, and only the last one ran to its end, under the lock.
    const entries = (await trace()).map((entry) => entry.split(':').slice(0, 2).join(':'));
    expect(entries.filter((entry) => entry === 'work:start').length).toBeGreaterThanOrEqual(2);
    expect(entries.filter((entry) => entry === 'work:end')).toHaveLength(1);
    expect(entries.at(-1)).toBe('work:end');
    const steps = await jobs.steps(id);
    expect(steps.map((s) => [s.name, s.status])).toEqual([['work', StepStatus.Succeeded]]);
  });

  it('two worker processes on one Redis share the work', async () => {
    const [a, b] = await Promise.all([spawnWorker(), spawnWorker()]);
    // Each worker runs at most 2 at a time, so 8 jobs of 250 ms need both to finish quickly.
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        jobs.create(TestKind.Mutating, { ms: 250 }, { requestedBy: null, serverId: `s${i}` }),
      ),
    );
    for (const job of created) await until(job.id, [JobStatus.Succeeded]);
    const startedOn = await Promise.all(
      created.map(async (job) =>
        (await jobs.events(job.id))
          .find((e) => e.type === 'job.started')
          ?.message.split(':')
          .pop(),
      ),
    );
    expect(new Set(startedOn)).toEqual(new Set([String(a.child.pid), String(b.child.pid)]));
  });
});
