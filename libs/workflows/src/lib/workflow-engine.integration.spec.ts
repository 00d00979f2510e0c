import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { GraphQLError } from 'graphql';
import { Redis } from 'ioredis';
import { ErrorCode, JobKind, JobStatus, Role, StepStatus, TomoException } from '@tomo/shared';
import { createWorkflowTestEnv, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { TestKind, traceKey, WorkflowTestRootModule } from '../testing/test-workflows';
import { JobEventStream, MAX_BUFFERED_JOB_EVENTS } from './job-event-stream';
import { JobEventType } from './job-event-type';
import { type JobEventRecord, type JobRow, JobStore } from './job-store';
import { JobsService } from './jobs.service';
import { WORKFLOW_QUEUE, type WorkflowJobData } from './workflow-queue';
import { WorkflowRegistry } from './workflow-registry';

describe('workflow engine (real Redis, real SQLite, in-process worker)', () => {
  let env: WorkflowTestEnv;
  let app: INestApplicationContext | null = null;
  let jobs: JobsService;
  let redis: Redis;

  async function boot(worker: boolean, lostJobsCheckMs?: number): Promise<void> {
    app = await NestFactory.createApplicationContext(
      WorkflowTestRootModule.forRoot(env.config, { worker, lockRetryMs: 300, lostJobsCheckMs }),
      { logger: ['error', 'warn'] },
    );
    await app.init();
    jobs = app.get(JobsService);
  }

  /** Trace entries without the pid suffix. */
  async function trace(): Promise<string[]> {
    const entries = await redis.lrange(traceKey(env.config.redisPrefix), 0, -1);
    return entries.map((entry) => entry.replace(/:\d+$/, ''));
  }

  const until = (jobId: string, statuses: JobStatus[], timeoutMs = 15_000): Promise<JobRow> =>
    waitFor(
      async () => {
        const job = await jobs.get(jobId);
        return statuses.includes(job.status) && job;
      },
      `job ${jobId} to be ${statuses.join(' or ')}`,
      timeoutMs,
    );

  const allEvents = (jobId: string): Promise<JobEventRecord[]> => jobs.events(jobId, 0, 10_000);

  beforeEach(async () => {
    env = await createWorkflowTestEnv();
    redis = new Redis(env.config.redisUrl);
  });

  afterEach(async () => {
    await app?.close();
    app = null;
    await redis.quit();
    await env.cleanup();
  });

  it('runs system.ping and stores its result, steps and a gapless timeline', async () => {
    await boot(true);
    const created = await jobs.create(JobKind.SystemPing, {}, { requestedBy: 'alice' });
    expect(created.status).toBe(JobStatus.Queued);
    const job = await until(created.id, [JobStatus.Succeeded]);
    expect(job.result).toEqual({
      pong: true,
      worker: expect.stringContaining(`:${process.pid}`),
      at: expect.any(String),
    });
    expect(job.requestedBy).toBe('alice');
    expect(job.startedAt).toBeInstanceOf(Date);
    expect(job.finishedAt).toBeInstanceOf(Date);
    const steps = await jobs.steps(job.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([['pong', StepStatus.Succeeded, 1]]);
    const events = await allEvents(job.id);
    expect(events.map((e) => [e.seq, e.type, e.step, e.status])).toEqual([
      [1, 'job.queued', null, JobStatus.Queued],
      [2, 'job.started', null, JobStatus.Running],
      [3, 'step.started', 'pong', JobStatus.Running],
      [4, 'step.succeeded', 'pong', JobStatus.Running],
      [5, 'job.succeeded', null, JobStatus.Succeeded],
    ]);
    expect(job.lastEventSeq).toBe(5);
    // BullMQ's copy is gone: the DB is the record.
    const queue = app?.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE);
    await waitFor(async () => (await queue?.getJob(job.id)) === undefined, 'the BullMQ job to be removed');
  });

  it('retries a transient failure with backoff, waiting in between, and never re-runs the finished step', async () => {
    await boot(true);
    const { id } = await jobs.create(TestKind.Flaky, { failTimes: 2 }, { requestedBy: null });
    const job = await until(id, [JobStatus.Succeeded, JobStatus.Failed]);
    expect(job.status).toBe(JobStatus.Succeeded);
    expect(await trace()).toEqual(['before:run', 'flaky:attempt-1', 'flaky:attempt-2', 'flaky:attempt-3']);
    const steps = await jobs.steps(id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['before', StepStatus.Succeeded, 1],
      ['flaky', StepStatus.Succeeded, 3],
    ]);
    expect(steps[1].output).toEqual({ attempt: 3 });
    expect(job.result).toEqual({ attempt: 3 });

    const events = await allEvents(id);
    const retrying = events.filter((e) => e.type === 'step.retrying');
    expect(retrying.map((e) => e.status)).toEqual([JobStatus.Waiting, JobStatus.Waiting]);
    expect(retrying[0].message).toMatch(
      /^Attempt 1 of 3 failed: flaky failure 1\. Next attempt at \d{4}-\d\d-\d\dT.+Z \(in \d+ ms\)$/,
    );
    expect(events.filter((e) => e.type === 'job.resumed')).toHaveLength(2);
    // Equal jitter: the delay after attempt n is at least half of min(150 * 2^(n-1), 300).
    for (const [n, minDelay] of [
      [1, 75],
      [2, 150],
    ] as const) {
      const failed = retrying[n - 1];
      const next = events.find((e) => e.type === 'step.started' && e.seq > failed.seq);
      expect(next?.message).toBe(`Attempt ${n + 1} of 3`);
      expect((next?.at.getTime() ?? 0) - failed.at.getTime()).toBeGreaterThanOrEqual(minDelay - 5);
    }
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('fails a permanent error at once and undoes the finished steps in reverse order', async () => {
    await boot(true);
    const { id } = await jobs.create(TestKind.Compensating, { failWith: 'permanent' }, { requestedBy: null });
    const job = await until(id, [JobStatus.Failed, JobStatus.Succeeded]);
    expect(job.status).toBe(JobStatus.Failed);
    expect([job.errorCode, job.errorMessage]).toEqual([ErrorCode.BadUserInput, 'port 80 is not a valid choice here']);
    expect(await trace()).toEqual(['a:run', 'b:run', 'c:run', 'd:attempt-1', 'b:compensate', 'a:compensate']);
    const steps = await jobs.steps(id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['a', StepStatus.Compensated, 1],
      ['b', StepStatus.Compensated, 1],
      ['c', StepStatus.Succeeded, 1],
      ['d', StepStatus.Failed, 1],
      ['e', StepStatus.Pending, 0],
    ]);
    const tail = (await allEvents(id)).slice(-5);
    expect(tail.map((e) => [e.type, e.step, e.status])).toEqual([
      ['step.failed', 'd', JobStatus.Running],
      ['job.compensating', null, JobStatus.Running],
      ['step.compensated', 'b', JobStatus.Running],
      ['step.compensated', 'a', JobStatus.Running],
      ['job.failed', null, JobStatus.Failed],
    ]);
    expect(tail[0].message).toBe('Failed: port 80 is not a valid choice here (BAD_USER_INPUT; permanent, not retried)');
    expect(tail[1].message).toBe('Undoing 2 step(s): b, a');
  });

  it("retries a compensation that meets an unreachable server, beyond its step's attempts, until it is undone", async () => {
    await boot(true);
    const { id } = await jobs.create(
      TestKind.Compensating,
      { failWith: 'permanent', undoFailsTimes: 5 },
      { requestedBy: null },
    );
    const job = await until(id, [JobStatus.Failed, JobStatus.Succeeded]);
    expect(job.status).toBe(JobStatus.Failed);
    expect(await trace()).toEqual([
      'a:run',
      'b:run',
      'c:run',
      'd:attempt-1',
      ...[1, 2, 3, 4, 5].map((n) => `b:compensate-failed-${n}`),
      'b:compensate',
      'a:compensate',
    ]);
    const steps = await jobs.steps(id);
    expect(steps.slice(0, 2).map((s) => [s.name, s.status])).toEqual([
      ['a', StepStatus.Compensated],
      ['b', StepStatus.Compensated],
    ]);
    expect((await allEvents(id)).some((e) => e.type === 'step.compensation-failed')).toBe(false);
  });

  it('fails a transient error once its attempts are used up, then compensates', async () => {
    await boot(true);
    const { id } = await jobs.create(TestKind.Compensating, { failWith: 'transient' }, { requestedBy: null });
    const job = await until(id, [JobStatus.Failed, JobStatus.Succeeded]);
    expect([job.status, job.errorCode, job.errorMessage]).toEqual([JobStatus.Failed, ErrorCode.Internal, 'disk full']);
    // d failed with a transient error: it may have done part of its work, so it is undone too (first).
    expect(await trace()).toEqual([
      'a:run',
      'b:run',
      'c:run',
      'd:attempt-1',
      'd:attempt-2',
      'd:compensate',
      'b:compensate',
      'a:compensate',
    ]);
    expect((await jobs.steps(id))[3]).toMatchObject({
      status: StepStatus.Failed,
      attempts: 2,
      errorMessage: 'disk full',
    });
    const events = await allEvents(id);
    expect(events.find((e) => e.type === 'job.compensating')?.message).toBe(
      'Undoing 3 step(s): d (outcome unknown), b, a',
    );
    expect(events.find((e) => e.type === 'step.compensated' && e.step === 'd')?.message).toBe(
      'Compensated (its outcome was unknown: whatever it did is undone)',
    );
  });

  it('compensates a cancelled step whose outcome is unknown, after what it still did in the background', async () => {
    await boot(true);
    const { id } = await jobs.create(TestKind.Creating, {}, { requestedBy: null });
    await waitFor(async () => (await trace()).includes('create:start'), 'the create step to start');
    await jobs.cancel(id, null, Role.Admin);
    const job = await until(id, [JobStatus.Cancelled, JobStatus.Failed]);
    expect(job.status).toBe(JobStatus.Cancelled);
    // The undo runs once the interrupted step settled, so it sees (and removes) what it created.
    expect(await trace()).toEqual([
      'prep:run',
      'create:start',
      'create:created',
      'create:compensate',
      'prep:compensate',
    ]);
    expect((await jobs.steps(id)).map((s) => s.status)).toEqual([StepStatus.Compensated, StepStatus.Cancelled]);
  });

  it('fails a step that outlives its timeout, and the step sees the abort', async () => {
    await boot(true);
    const { id } = await jobs.create(TestKind.Timeout, {}, { requestedBy: null });
    const job = await until(id, [JobStatus.Failed]);
    expect(job.errorCode).toBe(ErrorCode.StepTimeout);
    expect(job.errorMessage).toBe('Step "stuck" did not finish within 200 ms');
    await waitFor(async () => (await trace()).length === 2, 'the step to record the abort');
    expect(await trace()).toEqual(['stuck:start', 'stuck:aborted-STEP_TIMEOUT']);
  });

  it('cancels a queued job by removing it from the queue; cancelling it again is a CONFLICT; retryJob starts a linked run', async () => {
    await boot(false);
    const created = await jobs.create(TestKind.Quick, { n: 1 }, { requestedBy: null });
    const queue = app?.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE);
    expect(await queue?.getJob(created.id)).toBeDefined();
    const cancelled = await jobs.cancel(created.id, 'bob', Role.Admin);
    expect([cancelled.status, cancelled.errorCode]).toEqual([JobStatus.Cancelled, ErrorCode.Cancelled]);
    expect(await queue?.getJob(created.id)).toBeUndefined();
    expect((await allEvents(created.id)).map((e) => [e.type, e.message, e.status])).toEqual([
      ['job.queued', 'Queued', JobStatus.Queued],
      ['job.cancel-requested', 'Cancellation requested by bob', JobStatus.Queued],
      ['job.cancelled', 'Cancelled before it started', JobStatus.Cancelled],
    ]);
    await expect(jobs.cancel(created.id, null, Role.Admin)).rejects.toMatchObject({ code: ErrorCode.Conflict });

    const retry = await jobs.retry(created.id, 'carol', Role.Admin);
    expect(retry).toMatchObject({
      kind: TestKind.Quick,
      status: JobStatus.Queued,
      input: { n: 1 },
      retryOfJobId: created.id,
      requestedBy: 'carol',
    });
    expect(retry.id).not.toBe(created.id);
    await expect(jobs.retry(retry.id, null, Role.Admin)).rejects.toMatchObject({ code: ErrorCode.Conflict });
    await expect(jobs.cancel('no-such-job', null, Role.Admin)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('cancels a running job: the running step sees the abort, finished steps are undone, status CANCELLED', async () => {
    await boot(true);
    const { id } = await jobs.create(TestKind.Blocking, {}, { requestedBy: null });
    await waitFor(async () => (await trace()).includes('block:start'), 'the blocking step to start');
    await jobs.cancel(id, null, Role.Admin);
    const job = await until(id, [JobStatus.Cancelled, JobStatus.Failed]);
    expect([job.status, job.errorCode]).toEqual([JobStatus.Cancelled, ErrorCode.Cancelled]);
    expect(await trace()).toEqual(['prep:run', 'block:start', 'block:aborted-CANCELLED', 'prep:compensate']);
    expect((await jobs.steps(id)).map((s) => s.status)).toEqual([
      StepStatus.Compensated,
      StepStatus.Cancelled,
      StepStatus.Pending,
    ]);
    const events = await allEvents(id);
    expect(events.at(-1)).toMatchObject({ type: 'job.cancelled', status: JobStatus.Cancelled });
    expect(events.map((e) => e.type)).toContain('step.cancelled');
    await expect(jobs.cancel(id, null, Role.Admin)).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });

  it('runs one mutating workflow per server at a time; the other waits (WAITING, "waiting for job X"); other servers are not held up', async () => {
    await boot(true);
    const [first, second, elsewhere] = await Promise.all([
      jobs.create(TestKind.Mutating, { ms: 400 }, { requestedBy: null, serverId: 'srv-1' }),
      jobs.create(TestKind.Mutating, { ms: 400 }, { requestedBy: null, serverId: 'srv-1' }),
      jobs.create(TestKind.Mutating, { ms: 400 }, { requestedBy: null, serverId: 'srv-2' }),
    ]);
    for (const job of [first, second, elsewhere]) await until(job.id, [JobStatus.Succeeded]);
    const intervals = await workIntervals();
    const [a, b] = [intervals.get(first.id), intervals.get(second.id)];
    const c = intervals.get(elsewhere.id);
    if (!a || !b || !c) throw new Error('missing work intervals');
    const [earlier, later] = a.start < b.start ? [a, b] : [b, a];
    expect(later.start).toBeGreaterThanOrEqual(earlier.end);
    // srv-2's job ran beside the first srv-1 job.
    expect(c.start).toBeLessThan(earlier.end);

    const waiterId = a.start < b.start ? second.id : first.id;
    const holderId = waiterId === first.id ? second.id : first.id;
    const waiting = (await allEvents(waiterId)).filter((e) => e.type === 'job.waiting');
    expect(waiting.map((e) => [e.message, e.status])).toEqual([[`Waiting for job ${holderId}`, JobStatus.Waiting]]);
    expect((await allEvents(elsewhere.id)).some((e) => e.type === 'job.waiting')).toBe(false);
  });

  it('serialises jobs of one deployment even on different servers, and honours a per-server limit above 1', async () => {
    await boot(true);
    app?.get(WorkflowRegistry).setServerConcurrency((serverId) => (serverId === 'big' ? 2 : 1));
    const sameDeployment = await Promise.all(
      ['s1', 's2'].map((serverId) =>
        jobs.create(TestKind.Mutating, { ms: 300 }, { requestedBy: null, serverId, deploymentId: 'dep-1' }),
      ),
    );
    const bigServer = await Promise.all(
      [1, 2].map(() => jobs.create(TestKind.Mutating, { ms: 300 }, { requestedBy: null, serverId: 'big' })),
    );
    for (const job of [...sameDeployment, ...bigServer]) await until(job.id, [JobStatus.Succeeded]);
    const intervals = await workIntervals();
    const overlap = (x: string, y: string) => {
      const [p, q] = [intervals.get(x), intervals.get(y)];
      if (!p || !q) throw new Error('missing work intervals');
      return p.start < q.end && q.start < p.end;
    };
    expect(overlap(sameDeployment[0].id, sameDeployment[1].id)).toBe(false);
    expect(overlap(bigServer[0].id, bigServer[1].id)).toBe(true);
  });

  it('serialises jobs that name the same exclusive resource across servers; another resource runs beside them', async () => {
    await boot(true);
    const [first, second, other] = await Promise.all([
      jobs.create(TestKind.Mutating, { ms: 300, resource: 'repo-a' }, { requestedBy: null, serverId: 's1' }),
      jobs.create(TestKind.Mutating, { ms: 300, resource: 'repo-a' }, { requestedBy: null, serverId: 's2' }),
      jobs.create(TestKind.Mutating, { ms: 300, resource: 'repo-b' }, { requestedBy: null, serverId: 's3' }),
    ]);
    for (const job of [first, second, other]) await until(job.id, [JobStatus.Succeeded]);
    const intervals = await workIntervals();
    const [a, b, c] = [intervals.get(first.id), intervals.get(second.id), intervals.get(other.id)];
    if (!a || !b || !c) throw new Error('missing work intervals');
    const [earlier, later] = a.start < b.start ? [a, b] : [b, a];
    expect(later.start).toBeGreaterThanOrEqual(earlier.end);
    expect(c.start).toBeLessThan(earlier.end);
    const waiterId = a.start < b.start ? second.id : first.id;
    expect((await allEvents(waiterId)).some((e) => e.type === 'job.waiting')).toBe(true);
  });

  it('queues again a job the queue lost (Redis lost its data), which then runs; a job the queue holds is left alone', async () => {
    await boot(false);
    const lost = await jobs.create(TestKind.Quick, {}, { requestedBy: null });
    await (await app?.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE).getJob(lost.id))?.remove();
    const backdate = (id: string) =>
      app
        ?.get(JobStore)
        .executor.query('UPDATE "job" SET "updatedAt" = ? WHERE "id" = ?', [new Date(Date.now() - 5 * 60_000), id]);
    await backdate(lost.id);
    await app?.close();

    await boot(true, 200);
    // Unfinished and idle as far as the database can tell, but running: the queue holds it.
    const running = await jobs.create(TestKind.Blocking, {}, { requestedBy: null });
    await waitFor(async () => (await trace()).includes('block:start'), 'the blocking step to start');
    await waitFor(
      async () => (await jobs.get(running.id)).status === JobStatus.Running,
      'the blocking job to be RUNNING',
    );
    await backdate(running.id);

    const done = await until(lost.id, [JobStatus.Succeeded]);
    expect(done.status).toBe(JobStatus.Succeeded);
    const requeued = (await allEvents(lost.id)).filter((e) => e.type === 'job.requeued');
    expect(requeued.map((e) => e.message)).toEqual([
      'The queue had lost this job (was Redis restarted without its data?); queued it again',
    ]);
    // Several more sweeps: the running job is not touched.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await allEvents(running.id)).some((e) => e.type === 'job.requeued')).toBe(false);
    await jobs.cancel(running.id, null, Role.Admin);
    await until(running.id, [JobStatus.Cancelled]);
  });

  it('queues a lost job whose step waits for its next attempt again for when that attempt is due', async () => {
    await boot(false);
    const lost = await jobs.create(TestKind.Quick, {}, { requestedBy: null });
    const queue = () => app?.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE);
    await (await queue()?.getJob(lost.id))?.remove();
    const store = app?.get(JobStore);
    const inAnHour = new Date(Date.now() + 3_600_000);
    await store?.executor.query(
      'UPDATE "job_step" SET "status" = ?, "attempts" = 1, "nextAttemptAt" = ? WHERE "jobId" = ? AND "position" = 0',
      [StepStatus.Waiting, inAnHour, lost.id],
    );
    await store?.executor.query('UPDATE "job" SET "status" = ?, "updatedAt" = ? WHERE "id" = ?', [
      JobStatus.Waiting,
      new Date(Date.now() - 5 * 60_000),
      lost.id,
    ]);
    await app?.close();

    await boot(true, 200);
    const requeued = await waitFor(
      async () => (await queue()?.getJob(lost.id)) ?? false,
      'the lost job to be queued again',
    );
    expect(await requeued.getState()).toBe('delayed');
    expect(requeued.delay).toBeGreaterThan(3_500_000);
    expect((await jobs.get(lost.id)).status).toBe(JobStatus.Waiting);
  });

  it('returns the existing job for an idempotency key seen in the last 24 h, even under concurrent requests', async () => {
    await boot(false);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() => jobs.create(TestKind.Quick, {}, { requestedBy: null, idempotencyKey: 'install-42' })),
    );
    expect(new Set(results.map((job) => job.id)).size).toBe(1);
    const page = await jobs.list({ kind: TestKind.Quick });
    expect(page.jobs).toHaveLength(1);
    const queue = app?.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE);
    expect(await queue?.getJobCounts('waiting', 'delayed', 'prioritized')).toEqual({
      waiting: 1,
      delayed: 0,
      prioritized: 0,
    });
    await expect(
      jobs.create(TestKind.Flaky, {}, { requestedBy: null, idempotencyKey: 'install-42' }),
    ).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });

    // Older than the window: a new job.
    const store = app?.get(JobStore);
    await store?.executor.query('UPDATE "job" SET "createdAt" = ? WHERE "id" = ?', [
      new Date(Date.now() - 25 * 3600_000),
      results[0].id,
    ]);
    const fresh = await jobs.create(TestKind.Quick, {}, { requestedBy: null, idempotencyKey: 'install-42' });
    expect(fresh.id).not.toBe(results[0].id);
  });

  it("scopes idempotency keys to the caller and to what was asked: same key with another input is a CONFLICT, another caller's key is its own", async () => {
    await boot(false);
    const first = await jobs.create(
      TestKind.Mutating,
      { ms: 10 },
      { requestedBy: 'alice', serverId: 's1', idempotencyKey: 'k' },
    );
    // The same request again (keys in another order): the same job.
    expect(
      (await jobs.create(TestKind.Mutating, { ms: 10 }, { requestedBy: 'alice', serverId: 's1', idempotencyKey: 'k' }))
        .id,
    ).toBe(first.id);
    await expect(
      jobs.create(TestKind.Mutating, { ms: 99 }, { requestedBy: 'alice', serverId: 's1', idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: ErrorCode.Conflict,
      message: expect.stringContaining('another request'),
    });
    await expect(
      jobs.create(TestKind.Mutating, { ms: 10 }, { requestedBy: 'alice', serverId: 's2', idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    // Another caller's same key is independent, both ways.
    const bobs = await jobs.create(
      TestKind.Mutating,
      { ms: 99 },
      { requestedBy: 'bob', serverId: 's2', idempotencyKey: 'k' },
    );
    expect(bobs.id).not.toBe(first.id);
    expect(
      (await jobs.create(TestKind.Mutating, { ms: 99 }, { requestedBy: 'bob', serverId: 's2', idempotencyKey: 'k' }))
        .id,
    ).toBe(bobs.id);
    // A caller that describes its request itself (generated ids in the input) is matched on that.
    const asked = { serverId: 's3', appId: 'whoami', config: { env: [{ name: 'A', value: '1' }] } };
    const a = await jobs.create(
      TestKind.Quick,
      { generated: 'id-1' },
      { requestedBy: 'alice', idempotencyKey: 'install', request: asked },
    );
    expect(
      (
        await jobs.create(
          TestKind.Quick,
          { generated: 'id-2' },
          { requestedBy: 'alice', idempotencyKey: 'install', request: { ...asked } },
        )
      ).id,
    ).toBe(a.id);
    await expect(
      jobs.create(
        TestKind.Quick,
        { generated: 'id-3' },
        { requestedBy: 'alice', idempotencyKey: 'install', request: { ...asked, appId: 'other' } },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.Conflict });
  });

  it("fences a run's commits with its token: once another run wrote the job, the first run's writes are refused", async () => {
    await boot(false);
    const store = app?.get(JobStore);
    if (!store) throw new Error('no store');
    const { id } = await jobs.create(TestKind.Quick, {}, { requestedBy: null });
    const note = (token: string, previous: string | null, message: string) =>
      store.commit({
        jobId: id,
        events: [{ type: JobEventType.StepLog, step: 'q1', message }],
        fence: { token, previous },
      });
    expect(await note('run-a', null, 'A claims the job')).not.toBeNull();
    expect(await note('run-a', null, 'A writes again')).not.toBeNull();
    // B loaded the job after A's lease ran out: it saw A's token and takes over with its own.
    expect(await note('run-b', 'run-a', 'B takes over')).not.toBeNull();
    expect(await note('run-a', null, 'stale A')).toBeNull();
    expect(await note('run-c', null, 'a run that loaded before A wrote')).toBeNull();
    expect(await note('run-b', 'run-a', 'B goes on')).not.toBeNull();
    expect((await allEvents(id)).map((e) => e.message)).toEqual([
      'Queued',
      'A claims the job',
      'A writes again',
      'B takes over',
      'B goes on',
    ]);
    expect((await jobs.get(id)).runToken).toBe('run-b');
  });

  it('streams a timeline live: a late subscriber with afterSeq gets every later event once, in order, then the stream ends', async () => {
    await boot(true);
    const stream = app?.get(JobEventStream);
    if (!stream) throw new Error('no stream');
    const { id } = await jobs.create(TestKind.Chatty, { lines: 300, everyMs: 2 }, { requestedBy: null });
    const early = collect(await stream.events(id, 0));
    // Join while the step is logging (several batches already stored).
    await waitFor(async () => (await jobs.get(id)).lastEventSeq >= 40, 'some log events', 15_000, 5);
    const late = collect(await stream.events(id, 7));
    await until(id, [JobStatus.Succeeded]);
    const stored = await allEvents(id);
    const lastSeq = stored.length;
    expect(stored.map((e) => e.seq)).toEqual(range(1, lastSeq));
    const [earlyEvents, lateEvents] = await Promise.all([early, late]);
    expect(earlyEvents.map((e) => e.seq)).toEqual(range(1, lastSeq));
    expect(lateEvents.map((e) => e.seq)).toEqual(range(8, lastSeq));
    expect(lateEvents.map((e) => e.message)).toEqual(stored.slice(7).map((e) => e.message));
    expect(lateEvents.at(-1)).toMatchObject({ type: 'job.succeeded', status: JobStatus.Succeeded });
    // A subscriber that comes after the end gets the rest from the DB and is done.
    const afterwards = await collect(await stream.events(id, lastSeq - 2));
    expect(afterwards.map((e) => e.seq)).toEqual([lastSeq - 1, lastSeq]);
    expect(await collect(await stream.events(id, lastSeq))).toEqual([]);

    // Log lines are stored in batches, not one write per line.
    const logs = stored.filter((e) => e.type === 'step.log');
    expect(logs.map((e) => e.message)).toEqual(range(1, 300).map((n) => `line ${n}`));
    expect(new Set(logs.map((e) => e.at.getTime())).size).toBeLessThan(30);
  });

  it('ends a live subscriber that falls too far behind with RATE_LIMITED and where to resume; a replay waits for its reader', async () => {
    await boot(true);
    const stream = app?.get(JobEventStream);
    if (!stream) throw new Error('no stream');
    const lines = MAX_BUFFERED_JOB_EVENTS + 500;
    const { id } = await jobs.create(TestKind.Chatty, { lines, everyMs: 0 }, { requestedBy: null });
    const slow = await stream.events(id, 0);
    const first = await slow.next();
    expect(first.value).toMatchObject({ seq: 1 });
    // The subscriber stops reading while the job logs well over the bound.
    await until(id, [JobStatus.Succeeded]);
    const ended = await slow.next().then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(ended).toMatchObject({
      code: ErrorCode.RateLimited,
      message: expect.stringMatching(/fell behind job .* by more than \d+ events .* afterSeq/),
    });
    // What graphql-ws sends a client whose stream ended with this error: the code is there.
    expect(new GraphQLError(ended?.message ?? '', { originalError: ended ?? undefined }).toJSON().extensions).toEqual({
      code: ErrorCode.RateLimited,
    });

    // From the DB, a reader that takes its time gets everything (pages wait for it).
    const replay = await stream.events(id, 0);
    const seqs: number[] = [];
    for await (const event of replay) {
      seqs.push(event.seq);
      if (seqs.length % 250 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seqs).toEqual(range(1, (await jobs.get(id)).lastEventSeq));
  });

  it('jobUpdated streams job rows as their state changes', async () => {
    await boot(true);
    const stream = app?.get(JobEventStream);
    if (!stream) throw new Error('no stream');
    const updates = await stream.updates();
    const { id } = await jobs.create(TestKind.Quick, {}, { requestedBy: null });
    const seen: JobStatus[] = [];
    for await (const job of updates) {
      if (job.id !== id) continue;
      seen.push(job.status);
      if (job.status === JobStatus.Succeeded) break;
    }
    expect(seen.at(-1)).toBe(JobStatus.Succeeded);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('maintenance.prune-jobs deletes finished jobs older than the retention, with their steps and events', async () => {
    await boot(true);
    const old = await jobs.create(TestKind.Quick, {}, { requestedBy: null });
    const recent = await jobs.create(TestKind.Quick, {}, { requestedBy: null });
    await until(old.id, [JobStatus.Succeeded]);
    await until(recent.id, [JobStatus.Succeeded]);
    const store = app?.get(JobStore);
    await store?.executor.query('UPDATE "job" SET "finishedAt" = ? WHERE "id" = ?', [
      new Date(Date.now() - 31 * 86_400_000),
      old.id,
    ]);
    const prune = await jobs.create(JobKind.MaintenancePruneJobs, { retentionDays: 30 }, { requestedBy: null });
    const done = await until(prune.id, [JobStatus.Succeeded, JobStatus.Failed]);
    expect(done.result).toMatchObject({ deleted: 1, retentionDays: 30 });
    expect(await jobs.find(old.id)).toBeNull();
    expect(await jobs.steps(old.id)).toEqual([]);
    expect(await jobs.events(old.id)).toEqual([]);
    expect(await jobs.find(recent.id)).not.toBeNull();
  });

  it('rejects inputs that carry secrets', async () => {
    await boot(false);
    const before = (await jobs.list({}, 100)).jobs.length;
    const error: unknown = await jobs
      .create(TestKind.Quick, { server: { name: 'web', password: 'hunter2' } }, { requestedBy: null })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TomoException);
    // A programming error (steps load secrets from their own tables), naming the field and never the value.
    expect(error).toMatchObject({
      code: ErrorCode.Internal,
      message: expect.stringContaining('input.server.password'),
    });
    expect((error as TomoException).message).not.toContain('hunter2');
    expect((await jobs.list({}, 100)).jobs).toHaveLength(before);
    expect(
      await app?.get<Queue<WorkflowJobData>>(WORKFLOW_QUEUE).getJobCounts('waiting', 'delayed', 'prioritized'),
    ).toEqual({ waiting: 0, delayed: 0, prioritized: 0 });
  });

  it('paginates jobs newest first with cursors and filters', async () => {
    await boot(false);
    const created: JobRow[] = [];
    for (let i = 0; i < 5; i++)
      created.push(await jobs.create(TestKind.Quick, { i }, { requestedBy: null, serverId: i % 2 ? 'odd' : 'even' }));
    const first = await jobs.list({}, 2);
    expect(first.jobs.map((j) => j.input['i'])).toEqual([4, 3]);
    expect(first.hasNextPage).toBe(true);
    const second = await jobs.list({}, 2, first.endCursor);
    expect(second.jobs.map((j) => j.input['i'])).toEqual([2, 1]);
    const third = await jobs.list({}, 2, second.endCursor);
    expect([third.jobs.map((j) => j.input['i']), third.hasNextPage]).toEqual([[0], false]);
    expect((await jobs.list({ serverId: 'odd' })).jobs.map((j) => j.input['i'])).toEqual([3, 1]);
    expect((await jobs.list({ status: JobStatus.Running })).jobs).toEqual([]);
    await expect(jobs.list({}, 2, 'garbage')).rejects.toMatchObject({ code: ErrorCode.BadUserInput });
  });

  it('pages through jobs created in the same millisecond by id, without gaps or repeats', async () => {
    await boot(false);
    const executor = app?.get(JobStore).executor;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await jobs.create(TestKind.Quick, { i }, { requestedBy: null })).id);
    const same = new Date(Date.now() + 60_000);
    for (const id of ids.slice(1, 4))
      await executor?.query('UPDATE "job" SET "createdAt" = ? WHERE "id" = ?', [same, id]);
    const expected = [...ids.slice(1, 4).sort().reverse(), ids[4], ids[0]];
    const seen: string[] = [];
    let page = await jobs.list({}, 1);
    for (; ; page = await jobs.list({}, 1, page.endCursor)) {
      seen.push(...page.jobs.map((job) => job.id));
      if (!page.hasNextPage) break;
    }
    expect(seen).toEqual(expected);
  });

  it('counts finished jobs by status only when they finished since the given time', async () => {
    await boot(false);
    const store = app?.get(JobStore) as JobStore;
    const now = Date.now();
    const finish = async (status: JobStatus, finishedAt: Date | null) => {
      const { id } = await jobs.create(TestKind.Quick, {}, { requestedBy: null });
      await store.executor.query('UPDATE "job" SET "status" = ?, "finishedAt" = ? WHERE "id" = ?', [
        status,
        finishedAt,
        id,
      ]);
    };
    await finish(JobStatus.Succeeded, new Date(now - 1_000));
    await finish(JobStatus.Succeeded, new Date(now - 2_000));
    await finish(JobStatus.Failed, new Date(now - 1_000));
    await finish(JobStatus.Failed, new Date(now - 3_600_000));
    await finish(JobStatus.Running, null);
    await finish(JobStatus.Queued, null);
    expect(await store.countByStatus(new Date(now - 60_000))).toEqual({
      [JobStatus.Queued]: 1,
      [JobStatus.Running]: 1,
      [JobStatus.Succeeded]: 2,
      [JobStatus.Failed]: 1,
    });
  });

  async function workIntervals(): Promise<Map<string, { start: number; end: number }>> {
    const entries = await redis.lrange(traceKey(env.config.redisPrefix), 0, -1);
    const intervals = new Map<string, { start: number; end: number }>();
    for (const entry of entries) {
      const [, what, jobId, at] = entry.split(':');
      const interval = intervals.get(jobId) ?? { start: 0, end: 0 };
      interval[what as 'start' | 'end'] = Number(at);
      intervals.set(jobId, interval);
    }
    return intervals;
  }
});

async function collect<T>(iterator: AsyncIterableIterator<T>, timeoutMs = 15_000): Promise<T[]> {
  const items: T[] = [];
  const timer = setTimeout(() => void iterator.return?.(), timeoutMs);
  for await (const item of iterator) items.push(item);
  clearTimeout(timer);
  return items;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
