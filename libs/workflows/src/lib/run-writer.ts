import { isFinishedJobStatus, JobStatus, type StepStatus } from '@tomo/shared';
import type { ActiveRun } from './active-run';
import type { JobEventPublisher } from './job-events';
import {
  type CommitResult,
  type JobChange,
  type JobPatch,
  type JobRow,
  type JobStore,
  type NewEvent,
  NOT_FINISHED_STATUSES,
  type StepPatch,
} from './job-store';
import { describeError, type JobErrorInfo } from './step-errors';
import { StepLogBuffer } from './step-log-buffer';
import type { WorkflowRegistry } from './workflow-registry';

/**
 * What the BullMQ processor does after a run: nothing, re-queue it for later, fail it, or
 * (lost: the run's lease ran out, another worker may run the job) let it go without a word.
 */
export type RunOutcome =
  | { kind: 'finished'; status: JobStatus }
  | { kind: 'delayed'; until: number }
  | { kind: 'failed'; error: JobErrorInfo }
  | { kind: 'lost' };

export const LOST: RunOutcome = { kind: 'lost' };

/** A change of a run not written yet: it goes with the next commit. */
export interface Pending {
  job: JobPatch;
  steps: StepPatch[];
  events: NewEvent[];
}

export const emptyPending = (): Pending => ({ job: {}, steps: [], events: [] });
export interface RunnerLogger {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Writes the changes of runs: fenced by the run's token and lease, published to live
 * timelines once stored, and told to the observers (a finished job, a finished step).
 */
export class RunWriter {
  constructor(
    private readonly store: JobStore,
    private readonly publisher: JobEventPublisher,
    private readonly registry: WorkflowRegistry,
    private readonly logger: RunnerLogger,
    private readonly options: { logFlushMs: number; logBatchSize: number },
  ) {}

  /** A commit was refused: the job finished meanwhile, or this run lost it to another one. */
  async stopped(run: ActiveRun): Promise<RunOutcome> {
    if (run.lost) return LOST;
    const job = await this.store.loadJob(run.jobId);
    if (!job || isFinishedJobStatus(job.status))
      return { kind: 'finished', status: job?.status ?? JobStatus.Cancelled };
    run.loseLease('another run of the job wrote it (its fencing token replaced ours)');
    return LOST;
  }

  /** `before` runs ahead of the first write, so log lines never precede their step's start on the timeline. */
  logBuffer(run: ActiveRun, step: string, before: () => Promise<unknown> = async () => undefined): StepLogBuffer {
    const jobId = run.jobId;
    return new StepLogBuffer(
      step,
      async (events) => {
        try {
          await before();
          await this.commit(run, { job: {}, steps: [], events });
        } catch (error) {
          this.logger.warn(
            `Job ${jobId}: could not store ${events.length} log line(s): ${describeError(error).message}`,
          );
        }
      },
      this.options.logFlushMs,
      this.options.logBatchSize,
    );
  }

  stepFinished(job: JobRow, step: string, status: StepStatus, durationMs: number): void {
    this.registry.notify({ step: { jobId: job.id, kind: job.kind, step, status, durationMs } }, (error) =>
      this.logger.warn(`Job ${job.id}: a workflow observer failed: ${describeError(error).message}`),
    );
  }

  /** Writes a change of the run, fenced: null once the run lost its lease or its job (nothing written). `job`: given when this change may finish the job, so observers hear of it once it is stored. */
  async commit(run: ActiveRun, pending: Pending, job?: JobRow): Promise<CommitResult | null> {
    if (!run.checkLease()) return null;
    const jobId = run.jobId;
    let events = pending.events;
    const to = pending.job.status;
    if (to && to !== JobStatus.Running && events.length > 1) {
      // Several steps of the story in one transaction: the job was running until the last event.
      events = events.map((event, i) =>
        i < events.length - 1 && !event.status ? { ...event, status: JobStatus.Running } : event,
      );
    }
    const change: JobChange = {
      jobId,
      job: pending.job,
      steps: pending.steps,
      events,
      onlyIfStatusIn: NOT_FINISHED_STATUSES,
      fence: run.fence,
    };
    const result = await this.store.commit(change);
    if (result) this.publisher.publish(result.events);
    if (result && job) {
      this.notifyFinished(
        job,
        result,
        pending.job.errorCode ? { code: pending.job.errorCode, message: pending.job.errorMessage ?? '' } : null,
      );
    }
    return result;
  }

  /** Observers (notifications, metrics) hear of a job once its end is stored. */
  notifyFinished(job: JobRow, result: CommitResult, error: { code: string; message: string } | null): void {
    if (!isFinishedJobStatus(result.status)) return;
    const finished = {
      jobId: job.id,
      kind: job.kind,
      status: result.status,
      serverId: job.serverId,
      deploymentId: job.deploymentId,
    };
    this.registry.notify({ job: { ...finished, error } }, (e) =>
      this.logger.warn(`Job ${job.id}: a workflow observer failed: ${describeError(e).message}`),
    );
  }
}
