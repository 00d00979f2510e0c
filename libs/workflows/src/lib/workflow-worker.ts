import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { TOMO_CONFIG, type WorkerConfig } from '@tomo/config';
import { createRedisConnection, QueueName, REDIS_CLIENT } from '@tomo/redis';
import { JobKind, StepStatus } from '@tomo/shared';
import { JobEventType } from './job-event-type';
import { JobEventPublisher } from './job-events';
import { JobLocks } from './job-lock';
import { JobStore, NOT_FINISHED_STATUSES } from './job-store';
import { JobsService } from './jobs.service';
import { workflowKeys } from './redis-keys';
import { describeError } from './step-errors';
import { WORKFLOW_QUEUE, type WorkflowJobData } from './workflow-queue';
import { WorkflowRegistry } from './workflow-registry';
import { WorkflowRunner } from './workflow-runner';

export const WORKFLOW_WORKER_OPTIONS = Symbol('WORKFLOW_WORKER_OPTIONS');

export interface WorkflowWorkerOptions {
  /** The job kinds this worker must have exactly one definition for (default: every JobKind). */
  kinds?: readonly string[];
  /**
   * Also queue maintenance.prune-jobs once a day from this worker (default false: the
   * `prune-jobs` schedule of libs/schedules does it; this is for setups without schedules).
   */
  schedulePruning?: boolean;
  /** When a job waiting for a lock looks again if no release woke it (default 1 s). */
  lockRetryMs?: number;
  /** How often this worker looks for unfinished jobs the queue has lost (default 60 s). */
  lostJobsCheckMs?: number;
}

/** A job stalled this many times (its worker died each time) fails instead of being retried again. */
const MAX_STALLED_COUNT = 3;
const PRUNE_CHECK_MS = 60 * 60_000;
const LOST_JOBS_CHECK_MS = 60_000;
/** A job row is written just before its queue job is added: younger rows are not looked at. */
const LOST_JOB_MIN_IDLE_MS = 60_000;
const LOST_JOBS_BATCH = 500;

/**
 * The worker side of the engine: a BullMQ Worker on the workflows queue whose processor is
 * the step loop, the cancel channel, and graceful shutdown (stop taking jobs, hand running
 * jobs back at their next step boundary, wait up to shutdownTimeoutMs, then exit anyway).
 */
@Injectable()
export class WorkflowWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkflowWorker.name);
  private readonly keys: ReturnType<typeof workflowKeys>;
  private runner: WorkflowRunner | null = null;
  private locks: JobLocks | null = null;
  private worker: Worker<WorkflowJobData> | null = null;
  private workerConnection: Redis | null = null;
  private cancelSubscriber: Redis | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private lostJobsTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKFLOW_WORKER_OPTIONS) private readonly options: WorkflowWorkerOptions,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(WORKFLOW_QUEUE) private readonly queue: Queue<WorkflowJobData>,
    private readonly registry: WorkflowRegistry,
    private readonly store: JobStore,
    private readonly publisher: JobEventPublisher,
    private readonly jobs: JobsService,
  ) {
    this.keys = workflowKeys(config.redisPrefix);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registry.assertExactly(this.options.kinds ?? Object.values(JobKind));
    const stallMs = this.config.jobStallTimeoutMs;
    // Late-bound: the runner needs the locks, the locks report to the runner.
    let leaseRunner: WorkflowRunner | null = null;
    const locks = new JobLocks(this.redis, this.keys, stallMs, {
      renewed: (jobId, until) => leaseRunner?.leaseRenewed(jobId, 'locks', until),
      lost: (jobId) =>
        leaseRunner?.leaseLost(jobId, 'its server/deployment lock expired (another job may hold it now)'),
    });
    this.locks = locks;
    const runner = new WorkflowRunner(
      this.store,
      this.publisher,
      locks,
      this.registry,
      (jobIds) => this.wake(jobIds),
      this.logger,
      {
        lockRetryMs: this.options.lockRetryMs ?? 1_000,
        serverConcurrency: (serverId) => this.registry.serverConcurrency(serverId),
        logFlushMs: 200,
        logBatchSize: 200,
        leaseCheckMs: Math.max(50, Math.floor(stallMs / 4)),
      },
    );
    leaseRunner = runner;
    this.runner = runner;

    this.cancelSubscriber = createRedisConnection(this.config.redisUrl, 'tomo-worker-cancel');
    this.cancelSubscriber.on('message', (_channel: string, jobId: string) => runner.cancel(jobId));
    await this.cancelSubscriber.subscribe(this.keys.cancelChannel);

    this.workerConnection = createRedisConnection(this.config.redisUrl, 'tomo-worker');
    this.worker = new LeaseReportingWorker(
      runner,
      QueueName.Workflows,
      (job, token) => this.process(runner, job, token),
      {
        connection: this.workerConnection,
        prefix: this.config.redisPrefix,
        concurrency: this.config.concurrency,
        // A dead worker's job is taken over once its lock expires and a stalled check sees it.
        lockDuration: stallMs,
        stalledInterval: Math.max(500, Math.floor(stallMs / 2)),
        maxStalledCount: MAX_STALLED_COUNT,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      },
    );
    this.worker.on('failed', (job, error) => {
      // Our own failures (UnrecoverableError) are already on record; anything else is not.
      if (!job?.id || error instanceof UnrecoverableError) return;
      this.logger.error(`Job ${job.id} ended outside the step loop: ${error.message}`);
      runner
        .failUnfinished(job.id, error.message)
        .catch((e: unknown) => this.logger.error(`Job ${job.id}: ${describeError(e).message}`));
    });
    this.worker.on('error', (error) => this.logger.error(`Queue worker error: ${error.message}`));
    await this.worker.waitUntilReady();

    const lostJobsCheckMs = this.options.lostJobsCheckMs ?? LOST_JOBS_CHECK_MS;
    this.lostJobsTimer = setInterval(() => void this.requeueLostJobs(lostJobsCheckMs), lostJobsCheckMs);
    this.lostJobsTimer.unref();

    if (this.options.schedulePruning ?? false) {
      void this.schedulePrune();
      this.pruneTimer = setInterval(() => void this.schedulePrune(), PRUNE_CHECK_MS);
      this.pruneTimer.unref();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.lostJobsTimer) clearInterval(this.lostJobsTimer);
    this.runner?.stop();
    if (this.worker) {
      const closing = this.worker.close();
      const timedOut = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), this.config.shutdownTimeoutMs).unref()),
      ]);
      if (timedOut) {
        this.logger.warn(
          `Steps still running after ${this.config.shutdownTimeoutMs} ms (jobs ${this.runner?.activeJobIds.join(', ')}); ` +
            'exiting anyway: another worker resumes them once their lock expires',
        );
        await this.worker.close(true).catch(() => undefined);
      }
    }
    this.locks?.stop();
    this.runner?.close();
    await this.cancelSubscriber?.quit().catch(() => undefined);
    await this.workerConnection?.quit().catch(() => undefined);
  }

  private async process(runner: WorkflowRunner, job: Job<WorkflowJobData>, token: string | undefined): Promise<void> {
    // The queue's lock was taken when the job was moved to active (processedOn): that is the lease.
    const outcome = await runner.run(job.data.jobId, (job.processedOn ?? Date.now()) + this.config.jobStallTimeoutMs);
    switch (outcome.kind) {
      case 'finished':
        return;
      case 'delayed':
        // BullMQ's step-job pattern: park the job without holding a worker slot.
        await job.moveToDelayed(outcome.until, token);
        throw new DelayedError();
      case 'failed':
        throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
      case 'lost':
        // Handed back if the queue's lock is still ours (only a server/deployment lock ran out);
        // otherwise another worker has the job already, or the stall check gives it to one.
        await job.moveToDelayed(Date.now(), token).catch(() => undefined);
        throw new DelayedError();
    }
  }

  /** Jobs that waited for a lock that was just released: run them now instead of at their next poll. */
  private async wake(jobIds: string[]): Promise<void> {
    await Promise.all(
      jobIds.map(async (id) => {
        const job = await this.queue.getJob(id);
        await job?.promote().catch(() => undefined);
      }),
    );
  }

  /**
   * Jobs the database has as unfinished but the queue no longer holds (Redis restarted without
   * its data, or was flushed) would never run again: they are queued again and resume at their
   * first unfinished step. One worker sweeps at a time (a Redis lock for half the interval); a
   * job that is in the queue is left alone, and adding one twice is a no-op (queue job id = job id).
   */
  private async requeueLostJobs(intervalMs: number): Promise<void> {
    try {
      const mine = await this.redis.set(
        this.keys.lostJobsSweepLock,
        String(process.pid),
        'PX',
        Math.max(1, Math.floor(intervalMs / 2)),
        'NX',
      );
      if (mine !== 'OK') return;
      const idle = await this.store.idleUnfinishedJobs(new Date(Date.now() - LOST_JOB_MIN_IDLE_MS), LOST_JOBS_BATCH);
      for (const job of idle) {
        if (await this.queue.getJob(job.id)) continue;
        const noted = await this.store.commit({
          jobId: job.id,
          events: [
            {
              type: JobEventType.JobRequeued,
              step: null,
              message: 'The queue had lost this job (was Redis restarted without its data?); queued it again',
            },
          ],
          onlyIfStatusIn: NOT_FINISHED_STATUSES,
        });
        if (!noted) continue;
        this.publisher.publish(noted.events);
        // A step waiting for its next attempt keeps its backoff: the job comes back when it was due.
        const due = (await this.store.loadSteps(job.id)).find(
          (step) => step.status === StepStatus.Waiting,
        )?.nextAttemptAt;
        const delay = due ? Math.max(0, due.getTime() - Date.now()) : 0;
        await this.queue.add(job.kind, { jobId: job.id }, { jobId: job.id, delay });
        this.logger.warn(`Job ${job.id} (${job.kind}) was missing from the queue; queued it again`);
      }
    } catch (error) {
      this.logger.warn(
        `Looking for jobs the queue lost failed (next try in ${intervalMs} ms): ${describeError(error).message}`,
      );
    }
  }

  /** At most one prune run per UTC day, however many workers there are (idempotency key). */
  private async schedulePrune(): Promise<void> {
    const day = new Date().toISOString().slice(0, 10);
    try {
      await this.jobs.create(
        JobKind.MaintenancePruneJobs,
        {},
        { requestedBy: null, idempotencyKey: `${JobKind.MaintenancePruneJobs}:${day}` },
      );
    } catch (error) {
      this.logger.warn(`Could not schedule ${JobKind.MaintenancePruneJobs}: ${describeError(error).message}`);
    }
  }
}

/**
 * BullMQ's worker, telling the runner when each job's lock (the run's lease) was renewed,
 * counted from when the renewal was sent, and when a renewal found the lock gone.
 */
class LeaseReportingWorker extends Worker<WorkflowJobData> {
  constructor(
    private readonly runner: WorkflowRunner,
    ...args: ConstructorParameters<typeof Worker<WorkflowJobData>>
  ) {
    super(...args);
  }

  override async extendJobLocks(jobIds: string[], tokens: string[], duration: number): Promise<string[]> {
    const sentAt = Date.now();
    const failed = await super.extendJobLocks(jobIds, tokens, duration);
    for (const jobId of jobIds) {
      if (failed.includes(jobId))
        this.runner.leaseLost(jobId, "the queue's lock on the job was gone (another worker may run it)");
      else this.runner.leaseRenewed(jobId, 'queue', sentAt + duration);
    }
    return failed;
  }
}
