import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { In, type Repository } from 'typeorm';
import { getRepositoryToken } from '@nestjs/typeorm';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { JobKind, JobStatus } from '@tomo/shared';
import { createWorkflowTestEnv, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { JobEntity, WorkflowWorkerModule } from '@tomo/workflows';
import { defineSchedule, type ScheduleDefinition } from './schedule-definition';
import { SCHEDULES_QUEUE } from './schedules-queue';
import { SchedulesWorkerModule } from './schedules.module';
import { SchedulesService } from './schedules.service';

const everySecond = defineSchedule({
  name: 'ping-every-second',
  kind: JobKind.SystemPing,
  everySeconds: 1,
  input: () => ({}),
});
const daily = defineSchedule({
  name: 'ping-daily',
  kind: JobKind.SystemPing,
  everySeconds: 86_400,
  description: 'A ping a day',
  input: () => ({}),
});

/** A worker process's module tree, with only the engine's own workflows registered. */
function workerRoot(env: WorkflowTestEnv, schedules: readonly ScheduleDefinition[]): DynamicModule {
  @Module({})
  class TestWorkerModule {}
  return {
    module: TestWorkerModule,
    imports: [
      TomoConfigModule.forRoot(env.config),
      DatabaseModule.forRoot(),
      RedisModule.forRoot('schedules-test'),
      WorkflowWorkerModule.forRoot({ kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs] }),
      SchedulesWorkerModule.forRoot(schedules, { repairEveryMs: 200 }),
    ],
  };
}

describe('schedules', () => {
  let env: WorkflowTestEnv;
  let worker: INestApplicationContext;
  let schedules: SchedulesService;
  let jobs: Repository<JobEntity>;

  const scheduledJobs = (name: string) => jobs.findBy({ requestedBy: `schedule:${name}` });

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    worker = await NestFactory.createApplicationContext(workerRoot(env, [everySecond, daily]), { logger: false });
    await worker.init();
    schedules = worker.get(SchedulesService);
    jobs = worker.get(getRepositoryToken(JobEntity));
  });

  afterAll(async () => {
    await worker?.close();
    await env?.cleanup();
  });

  it('lists every schedule with its interval and next run', async () => {
    const list = await schedules.list();
    expect(list.map((s) => [s.name, s.everySeconds, s.paused, s.description])).toEqual([
      ['ping-daily', 86_400, false, 'A ping a day'],
      ['ping-every-second', 1, false, null],
    ]);
    for (const schedule of list) expect(schedule.nextRunAt?.getTime()).toBeGreaterThan(Date.now() - 1_000);
  });

  it('starts a job at every tick, through the real BullMQ scheduler, and records the last run', async () => {
    const ran = await waitFor(async () => {
      const found = await scheduledJobs(everySecond.name);
      return found.filter((job) => job.status === JobStatus.Succeeded).length >= 2 && found;
    }, 'two scheduled runs');
    expect(ran.every((job) => job.kind === JobKind.SystemPing)).toBe(true);
    const view = await schedules.get(everySecond.name);
    expect(ran.map((job) => job.id)).toContain(view.lastJobId);
    expect(view.lastRunAt).toBeInstanceOf(Date);
  });

  it('stops ticking while paused and resumes afterwards', async () => {
    const paused = await schedules.setPaused(everySecond.name, true);
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    // A tick already handed to the worker may still land; after that, nothing.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const before = (await scheduledJobs(everySecond.name)).length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await scheduledJobs(everySecond.name)).length).toBe(before);

    const resumed = await schedules.setPaused(everySecond.name, false);
    expect(resumed.paused).toBe(false);
    await waitFor(async () => (await scheduledJobs(everySecond.name)).length > before, 'a run after resuming');
    await schedules.setPaused(everySecond.name, true);
  });

  it('runs a schedule on demand and reports the run status', async () => {
    const job = await schedules.run(daily.name, 'admin');
    expect(job).toMatchObject({ kind: JobKind.SystemPing, requestedBy: 'admin' });
    await waitFor(
      async () => (await schedules.get(daily.name)).lastStatus === JobStatus.Succeeded,
      'the run to finish',
    );
    expect((await schedules.get(daily.name)).lastJobId).toBe(job.id);
  });

  it('starts one run for a tick delivered twice, and none while the last run is unfinished', async () => {
    const first = await schedules.tick(daily.name, 'tick-1');
    await waitFor(async () => (await jobs.findOneBy({ id: first?.id }))?.status === JobStatus.Succeeded, 'tick-1 run');
    const again = await schedules.tick(daily.name, 'tick-1');
    expect(again?.id).toBe(first?.id);

    // Make the last run look unfinished: the next tick must not start another.
    await jobs.update({ id: first?.id }, { status: JobStatus.Running });
    expect(await schedules.tick(daily.name, 'tick-2')).toBeNull();
    await jobs.update({ id: first?.id }, { status: JobStatus.Succeeded });
    expect(await schedules.tick(daily.name, 'tick-3')).not.toBeNull();
    expect(await jobs.countBy({ idempotencyKey: In(['schedule:tick-1', 'schedule:tick-2', 'schedule:tick-3']) })).toBe(
      2,
    );
  });

  it('puts back a scheduler Redis lost (restart without data, flush), and leaves a paused one out', async () => {
    const queue = worker.get<Queue>(SCHEDULES_QUEUE);
    expect(await queue.getJobScheduler(daily.name)).toBeDefined();
    const lostAt = Date.now();
    await queue.removeJobScheduler(daily.name);
    expect(await queue.getJobScheduler(daily.name)).toBeUndefined();
    await waitFor(async () => Boolean(await queue.getJobScheduler(daily.name)), 'the lost scheduler to be back');
    // The scheduler put back is due from then on (its first run may be due at once: not "after now").
    expect((await schedules.get(daily.name)).nextRunAt?.getTime()).toBeGreaterThanOrEqual(lostAt);

    // ping-every-second is paused (previous test): it has no scheduler, and must not get one back.
    expect((await schedules.get(everySecond.name)).paused).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await queue.getJobScheduler(everySecond.name)).toBeUndefined();
  });

  it('refuses an unknown schedule with NOT_FOUND', async () => {
    await expect(schedules.run('nope', null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
