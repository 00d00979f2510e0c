import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { REDIS_CLIENT } from '@tomo/redis';
import {
  ErrorCode,
  isFinishedJobStatus,
  JobStatus,
  notFound,
  type Role,
  roleSatisfies,
  roleToStart,
  TomoException,
} from '@tomo/shared';
import { newJobId } from './job-id';
import { JobEventType } from './job-event-type';
import { JobEventPublisher } from './job-events';
import {
  type JobEventRecord,
  type JobFilter,
  type JobRow,
  JobStore,
  NOT_FINISHED_STATUSES,
  type StepRow,
} from './job-store';
import { workflowKeys } from './redis-keys';
import { describeError } from './step-errors';
import type { JobInputOf } from './workflow-definition';
import { WorkflowRegistry } from './workflow-registry';
import { WORKFLOW_QUEUE, type WorkflowJobData } from './workflow-queue';

/** A key seen within this window returns the job it started instead of starting another. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60_000;

export interface CreateJobOptions {
  /** The user or API token that asked for the job; null for the system (and until auth is wired). */
  requestedBy: string | null;
  serverId?: string | null;
  deploymentId?: string | null;
  /** Scoped to `requestedBy`; the same key with another request (see `request`) is a CONFLICT. */
  idempotencyKey?: string | null;
  /**
   * What the caller asked for, compared when its idempotency key comes again; default: the
   * kind, server, deployment and input. A caller whose input holds generated ids (install
   * makes a new deployment id each time) describes the request itself. Hashed, never stored as is.
   */
  request?: unknown;
  retryOfJobId?: string | null;
}

export interface JobPage {
  jobs: JobRow[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Keys an input must not carry: inputs are stored and logged as they are. */
const SECRET_KEY = /pass(word|phrase)|private_?key|secret|token|master_?key/i;

/**
 * Jobs as the API (and anything that starts work) sees them: create, cancel, retry, query.
 * Creating a job writes its row, its step rows and its first event in one transaction, then
 * puts its id on the queue.
 */
@Injectable()
export class JobsService {
  private readonly keys: ReturnType<typeof workflowKeys>;

  constructor(
    private readonly store: JobStore,
    private readonly publisher: JobEventPublisher,
    private readonly registry: WorkflowRegistry,
    @Inject(WORKFLOW_QUEUE) private readonly queue: Queue<WorkflowJobData>,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(TOMO_CONFIG) config: CommonConfig,
  ) {
    this.keys = workflowKeys(config.redisPrefix);
  }

  async create<K extends string>(kind: K, input: JobInputOf<K>, options: CreateJobOptions): Promise<JobRow> {
    assertNoSecrets(input);
    const idempotencyKey = options.idempotencyKey?.trim() || null;
    if (idempotencyKey && idempotencyKey.length > 200) {
      throw new TomoException(ErrorCode.BadUserInput, 'idempotencyKey must be at most 200 characters');
    }
    const row: JobRow = {
      id: newJobId(),
      kind,
      status: JobStatus.Queued,
      serverId: options.serverId ?? null,
      deploymentId: options.deploymentId ?? null,
      input: input as Record<string, unknown>,
      result: null,
      idempotencyKey,
      requestFingerprint: null,
      runToken: null,
      requestedBy: options.requestedBy,
      retryOfJobId: options.retryOfJobId ?? null,
      lastEventSeq: 1,
      cancelRequested: false,
      errorCode: null,
      errorMessage: null,
      createdAt: new Date(),
      updatedAt: new Date(),
      startedAt: null,
      finishedAt: null,
    };
    row.updatedAt = row.createdAt;
    const requestFingerprint = idempotencyKey
      ? fingerprint({
          kind,
          request: options.request ?? { serverId: row.serverId, deploymentId: row.deploymentId, input },
        })
      : null;
    const created = await this.store.createJob(
      { ...row, requestFingerprint, stepNames: this.registry.get(kind)?.steps.map((step) => step.name) ?? [] },
      {
        type: JobEventType.JobQueued,
        step: null,
        message: row.retryOfJobId ? `Queued (retry of job ${row.retryOfJobId})` : 'Queued',
      },
      idempotencyKey ? new Date(row.createdAt.getTime() - IDEMPOTENCY_WINDOW_MS) : null,
    );
    if (!created.created) {
      const existing = await this.get(created.jobId);
      if (existing.kind !== kind || (created.existingFingerprint ?? requestFingerprint) !== requestFingerprint) {
        throw new TomoException(
          ErrorCode.Conflict,
          `Idempotency key "${idempotencyKey}" was already used for another request (${existing.kind} job ${existing.id}); use a new key for a different request`,
        );
      }
      return existing;
    }
    this.publisher.publish(created.events);
    try {
      await this.queue.add(kind, { jobId: row.id }, { jobId: row.id });
    } catch (error) {
      await this.finishHere(row.id, JobStatus.Failed, `Could not queue the job: ${describeError(error).message}`);
      throw error;
    }
    return row;
  }

  async get(jobId: string): Promise<JobRow> {
    const job = await this.store.loadJob(jobId);
    if (!job) throw notFound('Job', jobId);
    return job;
  }

  find(jobId: string): Promise<JobRow | null> {
    return this.store.loadJob(jobId);
  }

  steps(jobId: string): Promise<StepRow[]> {
    return this.store.loadSteps(jobId);
  }

  events(jobId: string, afterSeq = 0, limit = 1_000): Promise<JobEventRecord[]> {
    return this.store.eventsAfter(jobId, afterSeq, limit);
  }

  /** Jobs per status: the unfinished ones now, the finished ones since `finishedSince`. */
  countByStatus(finishedSince: Date): Promise<Partial<Record<JobStatus, number>>> {
    return this.store.countByStatus(finishedSince);
  }

  /** A queued, running or waiting job of this kind on the deployment (the oldest), or null. */
  unfinishedOf(kind: string, deploymentId: string): Promise<JobRow | null> {
    return this.store.unfinishedJobOf(kind, deploymentId);
  }

  /** Queued, running and waiting jobs, newest first. */
  unfinished(limit: number): Promise<JobRow[]> {
    return this.store.listUnfinished(limit);
  }

  /** Newest first, cursor-paginated. */
  async list(filter: JobFilter, first = 20, after: string | null = null): Promise<JobPage> {
    const limit = Math.min(Math.max(first, 1), 200);
    const rows = await this.store.listJobs(filter, limit + 1, after ? decodeCursor(after) : null);
    const jobs = rows.slice(0, limit);
    const last = jobs[jobs.length - 1];
    return { jobs, hasNextPage: rows.length > limit, endCursor: last ? encodeJobCursor(last) : null };
  }

  /**
   * A queued job (or one waiting for a lock, before any step ran) is taken off the queue and
   * cancelled here. A running job's worker aborts the current step and undoes the finished ones;
   * a job waiting to retry is woken so a worker does the same.
   */
  /** Asks a job to stop; the caller needs the role that starting its kind needs (cancelling undoes its steps). */
  async cancel(jobId: string, requestedBy: string | null, callerRole: Role): Promise<JobRow> {
    const job = await this.get(jobId);
    assertMayStart(job, callerRole, 'Cancelling');
    if (isFinishedJobStatus(job.status)) throw alreadyFinished(job);
    if (!job.cancelRequested) {
      const requested = await this.store.commit({
        jobId,
        job: { cancelRequested: true },
        events: [
          {
            type: JobEventType.JobCancelRequested,
            step: null,
            message: requestedBy ? `Cancellation requested by ${requestedBy}` : 'Cancellation requested',
          },
        ],
        onlyIfStatusIn: NOT_FINISHED_STATUSES,
      });
      if (!requested) throw alreadyFinished(await this.get(jobId));
      this.publisher.publish(requested.events);
    }
    const queued = await this.queue.getJob(jobId);
    const state = queued ? await queued.getState() : 'unknown';
    if (state === 'active') {
      await this.redis.publish(this.keys.cancelChannel, jobId);
    } else if (!job.startedAt || state === 'unknown') {
      // No worker holds it. remove() refuses (0) if a worker took it in the meantime.
      const removed = state === 'unknown' ? 1 : await this.queue.remove(jobId);
      if (removed === 1) {
        await this.finishHere(
          jobId,
          JobStatus.Cancelled,
          job.startedAt
            ? 'Cancelled (no worker held the job, so its finished steps were not undone)'
            : 'Cancelled before it started',
        );
      } else {
        await this.redis.publish(this.keys.cancelChannel, jobId);
      }
    } else {
      if (state === 'delayed') await queued?.promote().catch(() => undefined);
      await this.redis.publish(this.keys.cancelChannel, jobId);
    }
    return this.get(jobId);
  }

  /** Starts a new run of a failed or cancelled job's workflow with the same input, linked to it. */
  /** A new run of a failed or cancelled job; the caller needs the role that starting its kind needs. */
  async retry(jobId: string, requestedBy: string | null, callerRole: Role): Promise<JobRow> {
    const job = await this.get(jobId);
    assertMayStart(job, callerRole, 'Retrying');
    if (job.status !== JobStatus.Failed && job.status !== JobStatus.Cancelled) {
      throw new TomoException(
        ErrorCode.Conflict,
        `Job ${jobId} is ${job.status}; only failed or cancelled jobs can be retried`,
      );
    }
    return this.create(job.kind, job.input, {
      requestedBy,
      serverId: job.serverId,
      deploymentId: job.deploymentId,
      retryOfJobId: job.id,
    });
  }

  private async finishHere(
    jobId: string,
    status: JobStatus.Failed | JobStatus.Cancelled,
    message: string,
  ): Promise<void> {
    const error =
      status === JobStatus.Cancelled
        ? { code: ErrorCode.Cancelled, message: 'Cancelled on request' }
        : { code: ErrorCode.Internal, message };
    const done = await this.store.commit({
      jobId,
      job: { status, finishedAt: new Date(), errorCode: error.code, errorMessage: error.message },
      events: [
        {
          type: status === JobStatus.Cancelled ? JobEventType.JobCancelled : JobEventType.JobFailed,
          step: null,
          message,
        },
      ],
      onlyIfStatusIn: NOT_FINISHED_STATUSES,
    });
    if (done) this.publisher.publish(done.events);
  }
}

/** Retrying or cancelling a job acts on it as starting it does: the same least role. */
function assertMayStart(job: JobRow, callerRole: Role, verb: 'Retrying' | 'Cancelling'): void {
  const required = roleToStart(job.kind);
  if (!roleSatisfies(callerRole, required)) {
    throw new TomoException(
      ErrorCode.Forbidden,
      `${verb} a ${job.kind} job requires the ${required} role (you have ${callerRole})`,
    );
  }
}

function alreadyFinished(job: JobRow): TomoException {
  return new TomoException(
    ErrorCode.Conflict,
    `Job ${job.id} already finished (${job.status}); it cannot be cancelled`,
  );
}

function assertNoSecrets(input: unknown, path = 'input'): void {
  if (typeof input !== 'object' || input === null) return;
  for (const [key, value] of Object.entries(input)) {
    if (SECRET_KEY.test(key)) {
      // A programming error, not a user one: secrets are loaded by the steps from their own tables.
      throw new TomoException(ErrorCode.Internal, `Job inputs must not carry secrets (${path}.${key})`);
    }
    assertNoSecrets(value, `${path}.${key}`);
  }
}

/** The opaque cursor of a job in `list` (its position in newest-first order). */
export function encodeJobCursor(job: JobRow): string {
  return Buffer.from(JSON.stringify([job.createdAt.toISOString(), job.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new TomoException(ErrorCode.BadUserInput, 'after is not a cursor returned by jobs');
  }
}

/** SHA-256 of the value as JSON with object keys sorted, so the same request always hashes the same. */
function fingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((key) => [key, canonical((v as Record<string, unknown>)[key])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}
