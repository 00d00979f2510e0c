// Longer than the house limit on purpose: this is the run's state machine (claim, resume, the step
// loop, retries, hand-over, lease loss) and the order of its commits is only reviewable in one
// place. The attempt (step-attempt.ts), commits (run-writer.ts) and undoing (wind-down.ts) live apart.
import { hostname } from 'node:os';
import { ErrorCode, isFinishedJobStatus, JobStatus, StepStatus } from '@tomo/shared';
import { ActiveRun } from './active-run';
import { JobEventType } from './job-event-type';
import type { JobEventPublisher } from './job-events';
import type { JobLocks, LockSpec } from './job-lock';
import { type CommitResult, type JobRow, type JobStore, NOT_FINISHED_STATUSES, type StepRow } from './job-store';
import { emptyPending, LOST, type Pending, type RunnerLogger, type RunOutcome, RunWriter } from './run-writer';
import {
  attemptStep,
  type AttemptPlan,
  type Definition,
  RunOutputs,
  settledWithin,
  STILL_RUNNING,
} from './step-attempt';
import { describeError, formatDuration, isTransientError, JobCancelledError, retryDelayMs } from './step-errors';
import { windDown } from './wind-down';
import { retryPolicyOf } from './workflow-definition';
import type { WorkflowRegistry } from './workflow-registry';

export type { RunOutcome } from './run-writer';

export interface WorkflowRunnerOptions {
  /** When a lock-waiting job looks again if no release woke it earlier. */
  lockRetryMs: number;
  /** Mutating workflows allowed at once on a server (default 1). */
  serverConcurrency: (serverId: string) => number | Promise<number>;
  logFlushMs: number;
  logBatchSize: number;
  /** How often the leases of the runs are checked against the clock (a fraction of the lease). */
  leaseCheckMs: number;
}

const DONE_STEP_STATUSES = new Set([StepStatus.Succeeded, StepStatus.Skipped, StepStatus.Compensated]);
const WORKER_NAME = `${hostname()}:${process.pid}`;
/** A step still running after this long gets its start written (and streamed) before its outcome. */
const START_COMMIT_GRACE_MS = 15;

/**
 * Runs one workflow run inside one BullMQ job: every step of the run in a row, each step's
 * state change and its events in one DB transaction. The DB is the record, so a run that is
 * delivered again (after a crash, a retry delay or a lock wait) resumes at the first step
 * that has not finished and never runs a finished one again.
 */
export class WorkflowRunner {
  private readonly active = new Map<string, ActiveRun>();
  private readonly leaseWatchdog: NodeJS.Timeout;
  private readonly writer: RunWriter;
  private stopping = false;

  constructor(
    private readonly store: JobStore,
    private readonly publisher: JobEventPublisher,
    private readonly locks: JobLocks,
    private readonly registry: WorkflowRegistry,
    private readonly wakeJobs: (jobIds: string[]) => Promise<void>,
    private readonly logger: RunnerLogger,
    private readonly options: WorkflowRunnerOptions,
  ) {
    this.writer = new RunWriter(store, publisher, registry, logger, options);
    // A timer, not only the renewal's answer: after a blocked event loop, timers run before
    // I/O callbacks, so an expired run stops before a step's pending command completes.
    this.leaseWatchdog = setInterval(() => {
      const now = Date.now();
      for (const run of this.active.values()) run.checkLease(now);
    }, options.leaseCheckMs);
    this.leaseWatchdog.unref();
  }

  get activeJobIds(): string[] {
    return [...this.active.keys()];
  }

  /** Aborts the running step of a job this process runs (a cancellation request). */
  cancel(jobId: string): boolean {
    const cancel = this.active.get(jobId)?.cancel;
    if (!cancel || cancel.aborted) return false;
    cancel.abort(new JobCancelledError());
    return true;
  }

  /** A lease of the job's run was renewed: it holds until `until` (sent time + duration). */
  leaseRenewed(jobId: string, lease: keyof ActiveRun['leases'], until: number): void {
    const run = this.active.get(jobId);
    if (run) run.leases[lease] = Math.max(run.leases[lease], until);
  }

  /** Redis says the run's lease is gone (another worker may hold the job or its lock): stop it. */
  leaseLost(jobId: string, why: string): void {
    this.active.get(jobId)?.loseLease(why);
  }

  close(): void {
    clearInterval(this.leaseWatchdog);
  }

  /** From now on, runs hand their job back to the queue at the next step boundary. */
  stop(): void {
    this.stopping = true;
  }

  /** @param leaseUntil when the queue's lock on the job, taken for this delivery, runs out. */
  async run(jobId: string, leaseUntil: number): Promise<RunOutcome> {
    const run = new ActiveRun(jobId, leaseUntil);
    // Registered before the job row is read: a cancel request that lands after that read
    // arrives through cancel(), one that lands before it is seen in the row.
    this.active.set(jobId, run);
    try {
      const outcome = await this.load(run);
      if (outcome.kind === 'lost')
        this.logger.warn(`Job ${jobId}: stopped without writing; ${run.lostReason ?? 'another run took it over'}`);
      return outcome;
    } finally {
      if (this.active.get(jobId) === run) this.active.delete(jobId);
    }
  }

  /** A BullMQ job ended without our step loop deciding it (stall limit, crash of the loop itself). */
  async failUnfinished(jobId: string, reason: string): Promise<void> {
    const error = { code: ErrorCode.Internal, message: `The job stopped unexpectedly: ${reason}` };
    // Not a run (no fence): BullMQ gave up on the job, whichever run last wrote it.
    const failed = await this.store.commit({
      jobId,
      job: { status: JobStatus.Failed, finishedAt: new Date(), errorCode: error.code, errorMessage: error.message },
      events: [{ type: JobEventType.JobFailed, step: null, message: `Failed: ${error.message}` }],
      onlyIfStatusIn: NOT_FINISHED_STATUSES,
    });
    if (!failed) return;
    this.publisher.publish(failed.events);
    const run = await this.store.loadRun(jobId);
    if (run) this.writer.notifyFinished(run.job, failed, error);
  }

  private async load(run: ActiveRun): Promise<RunOutcome> {
    const jobId = run.jobId;
    const cancel = run.cancel;
    const loaded = await this.store.loadRun(jobId);
    if (!loaded || isFinishedJobStatus(loaded.job.status))
      return { kind: 'finished', status: loaded?.job.status ?? JobStatus.Cancelled };
    const job = loaded.job;
    run.fence.previous = job.runToken;
    const definition = this.registry.get(job.kind);
    if (!definition) {
      return this.failBeforeStart(run, job, `No workflow is registered for job kind "${job.kind}" in this worker`);
    }
    let steps = loaded.steps;
    if (steps.length < definition.steps.length) {
      await this.store.addMissingSteps(
        jobId,
        definition.steps.map((s) => s.name),
        steps.length,
      );
      steps = await this.store.loadSteps(jobId);
    }
    const mismatch = definition.steps.findIndex((step, i) => steps[i]?.name !== step.name);
    if (mismatch >= 0 || steps.length !== definition.steps.length) {
      return this.failBeforeStart(
        run,
        job,
        `The "${job.kind}" workflow changed since this job was created; start it again`,
      );
    }
    if (job.cancelRequested) cancel.abort(new JobCancelledError());

    const serverLimit =
      definition.mutatesServer && job.serverId ? await this.options.serverConcurrency(job.serverId) : 1;
    const lock = this.locks.specFor(
      job,
      definition.mutatesServer ?? false,
      serverLimit,
      definition.exclusive?.(job.input) ?? [],
    );
    if (lock && !cancel.aborted) {
      const acquired = await this.locks.acquire(lock, jobId);
      if (!acquired.acquired) return this.waitForLock(run, job, acquired.holders);
      run.leases.locks = acquired.until;
    }
    let outcome: RunOutcome | undefined;
    try {
      outcome = await this.execute(run, job, steps, definition);
      return outcome;
    } finally {
      if (lock) await this.settleLock(lock, run, outcome);
    }
  }

  private async settleLock(lock: LockSpec, run: ActiveRun, outcome: RunOutcome | undefined): Promise<void> {
    const jobId = run.jobId;
    try {
      if (outcome?.kind === 'lost') {
        // Not ours to free: the run that took the job over holds them under the same job id.
        // Stop renewing them, unless that run is in this process and renews them already.
        if (this.active.get(jobId) === run) this.locks.forget(jobId);
      } else if (outcome?.kind === 'delayed') {
        // The server may be half-changed while the job waits to retry: keep it locked.
        await this.locks.extend(lock, jobId, Math.max(0, outcome.until - Date.now()));
      } else {
        const waiters = await this.locks.release(lock, jobId);
        if (waiters.length > 0) await this.wakeJobs(waiters);
      }
    } catch (error) {
      this.logger.warn(
        `Job ${jobId}: could not settle its locks (their lease will run out): ${describeError(error).message}`,
      );
    }
  }

  private async waitForLock(run: ActiveRun, job: JobRow, holders: string[]): Promise<RunOutcome> {
    const message = `Waiting for job ${holders.join(', ')}`;
    const last = job.status === JobStatus.Waiting ? await this.store.lastEvent(job.id) : null;
    if (last?.message !== message) {
      const noted = await this.writer.commit(run, {
        job: { status: JobStatus.Waiting },
        steps: [],
        events: [{ type: JobEventType.JobWaiting, step: null, message }],
      });
      if (!noted) return this.writer.stopped(run);
    }
    return { kind: 'delayed', until: Date.now() + this.options.lockRetryMs };
  }

  private async failBeforeStart(run: ActiveRun, job: JobRow, message: string): Promise<RunOutcome> {
    const error = { code: ErrorCode.Internal, message };
    const failed = await this.writer.commit(
      run,
      {
        job: { status: JobStatus.Failed, finishedAt: new Date(), errorCode: error.code, errorMessage: error.message },
        steps: [],
        events: [{ type: JobEventType.JobFailed, step: null, message: `Failed: ${message}` }],
      },
      job,
    );
    return failed ? { kind: 'failed', error } : this.writer.stopped(run);
  }

  private async execute(run: ActiveRun, job: JobRow, steps: StepRow[], definition: Definition): Promise<RunOutcome> {
    const outputs = new RunOutputs(definition);
    for (const row of steps) if (row.status === StepStatus.Succeeded) outputs.set(row.name, row.output);

    // Resumed after the outcome was decided (crash during compensation): finish winding down.
    const decided = steps.findIndex((row) => row.status === StepStatus.Failed || row.status === StepStatus.Cancelled);
    if (decided >= 0) {
      const row = steps[decided];
      const cancelled = row.status === StepStatus.Cancelled;
      const error = cancelled
        ? describeError(new JobCancelledError())
        : { code: row.errorCode ?? ErrorCode.Internal, message: row.errorMessage ?? 'Step failed' };
      return windDown(this.writer, run, job, steps, definition, outputs, cancelled, error, emptyPending());
    }

    let pending = emptyPending();
    if (!job.startedAt) {
      pending.events.push({ type: JobEventType.JobStarted, step: null, message: `Started on worker ${WORKER_NAME}` });
    } else {
      // Still RUNNING on arrival: the worker that ran it died or handed it back mid-run.
      const why = job.status === JobStatus.Running ? ' (the previous worker stopped mid-run)' : '';
      pending.events.push({
        type: JobEventType.JobResumed,
        step: null,
        message: `Resumed on worker ${WORKER_NAME}${why}`,
      });
    }
    const runStartedAt = Date.now();

    for (let i = 0; i < definition.steps.length; i++) {
      if (DONE_STEP_STATUSES.has(steps[i].status)) continue;
      const next = await this.runStep(run, job, steps, definition, outputs, i, pending);
      if ('kind' in next) return next;
      pending = next;
    }

    const result = definition.result
      ? definition.result(outputs.readerFor(steps.length))
      : defaultResult(definition, steps, outputs);
    pending.job = {
      ...pending.job,
      status: JobStatus.Succeeded,
      finishedAt: new Date(),
      result,
      errorCode: null,
      errorMessage: null,
    };
    pending.events.push({
      type: JobEventType.JobSucceeded,
      step: null,
      message: `Succeeded in ${formatDuration(Date.now() - runStartedAt)}`,
    });
    if (!(await this.writer.commit(run, pending, job))) return this.writer.stopped(run);
    return { kind: 'finished', status: JobStatus.Succeeded };
  }

  /**
   * One step of the run: its attempt, then its outcome recorded. Returns what is still to be
   * written (a finished last step's outcome goes with the job's), or how the run ends here.
   */
  private async runStep(
    run: ActiveRun,
    job: JobRow,
    steps: StepRow[],
    definition: Definition,
    outputs: RunOutputs,
    i: number,
    pending: Pending,
  ): Promise<Pending | RunOutcome> {
    const cancel = run.cancel;
    const row = steps[i];
    const step = definition.steps[i];
    if (run.lost) return LOST;
    if (cancel.aborted) {
      const error = describeError(new JobCancelledError());
      if (row.status === StepStatus.Running || row.status === StepStatus.Waiting) {
        // Interrupted mid-way or waiting for its next attempt: it did not finish, so it is cancelled.
        row.status = StepStatus.Cancelled;
        pending.steps.push({
          position: i,
          status: StepStatus.Cancelled,
          finishedAt: new Date(),
          nextAttemptAt: null,
          errorCode: error.code,
          errorMessage: error.message,
        });
        pending.events.push({
          type: JobEventType.StepCancelled,
          step: step.name,
          message: 'Cancelled before its next attempt',
        });
      }
      return windDown(this.writer, run, job, steps, definition, outputs, true, error, pending);
    }
    if (this.stopping) return this.handOver(run, step.name, pending);

    const policy = retryPolicyOf(step);
    const attempt = row.attempts + 1;
    const startedAt = new Date();
    const note = row.status === StepStatus.Running ? ' (the previous attempt was interrupted)' : '';
    const start: Pending = {
      job: { ...pending.job, status: JobStatus.Running, startedAt },
      steps: [
        ...pending.steps,
        { position: i, status: StepStatus.Running, attempts: attempt, startedAt, nextAttemptAt: null },
      ],
      events: [
        ...pending.events,
        {
          type: JobEventType.StepStarted,
          step: step.name,
          message: policy.maxAttempts > 1 ? `Attempt ${attempt} of ${policy.maxAttempts}${note}` : `Started${note}`,
        },
      ],
    };
    pending = emptyPending();
    // The step's start is written lazily: a step that settles within the grace period has its
    // start and outcome written in one transaction (one commit per step); a longer one, or one
    // that logs, gets its start written (and streamed) while it runs. A crash before that
    // write only loses the count of the interrupted attempt: the step is not finished, so it runs again.
    let startCommit: Promise<CommitResult | null> | null = null;
    const commitStart = () =>
      (startCommit ??= this.writer.commit(run, start).then((started) => {
        if (started?.cancelRequested) cancel.abort(new JobCancelledError());
        return started;
      }));
    row.status = StepStatus.Running;
    row.attempts = attempt;

    const plan: AttemptPlan = {
      job,
      definition,
      position: i,
      attempt,
      outputs,
      logs: this.writer.logBuffer(run, step.name, commitStart),
      warn: (m) => this.logger.warn(m),
    };
    const running = attemptStep(plan, cancel, () => !run.lost);
    const early = await settledWithin(running, START_COMMIT_GRACE_MS);
    if (early === STILL_RUNNING) await commitStart();
    const result = early === STILL_RUNNING ? await running : early;
    // Whatever the attempt did, its outcome is not this run's to record any more.
    if (run.lost) return LOST;
    if (startCommit) {
      if (!(await startCommit)) return this.writer.stopped(run);
    } else {
      pending = start;
    }
    const finishedAt = new Date();
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    const took = formatDuration(durationMs);
    if (result.ok) {
      row.status = result.skip === null ? StepStatus.Succeeded : StepStatus.Skipped;
      this.writer.stepFinished(job, step.name, row.status, durationMs);
      if (result.skip === null) outputs.set(step.name, result.output);
      pending.steps.push({
        position: i,
        status: row.status,
        finishedAt,
        output: result.skip === null ? (result.output ?? null) : null,
        errorCode: null,
        errorMessage: null,
      });
      pending.events.push(...result.logs, {
        type: result.skip === null ? JobEventType.StepSucceeded : JobEventType.StepSkipped,
        step: step.name,
        message: result.skip === null ? `Succeeded in ${took}` : `Skipped: ${result.skip}`,
      });
      // In the same transaction as this step's outcome: a resumed run skips them too.
      if (result.skipRest !== null) skipRest(definition, steps, i, result.skipRest, finishedAt, pending);
      if (steps.every((later) => DONE_STEP_STATUSES.has(later.status))) return pending;
      // Durable before the next step starts: a finished step never runs again.
      const finished = await this.writer.commit(run, pending);
      if (!finished) return this.writer.stopped(run);
      if (finished.cancelRequested) cancel.abort(new JobCancelledError());
      return emptyPending();
    }

    // A cancel that lands while the step fails for another reason still cancels the job.
    const cancelled = cancel.aborted;
    const error = describeError(result.error);
    const transient = !cancelled && isTransientError(result.error, step);
    const retrying = transient && attempt < policy.maxAttempts;
    this.writer.stepFinished(
      job,
      step.name,
      cancelled ? StepStatus.Cancelled : retrying ? StepStatus.Waiting : StepStatus.Failed,
      durationMs,
    );
    if (cancelled) {
      row.status = StepStatus.Cancelled;
      pending.steps.push({
        position: i,
        status: StepStatus.Cancelled,
        finishedAt,
        errorCode: error.code,
        errorMessage: error.message,
      });
      pending.events.push(...result.logs, {
        type: JobEventType.StepCancelled,
        step: step.name,
        message: `Cancelled after ${took}`,
      });
      return windDown(this.writer, run, job, steps, definition, outputs, true, error, pending);
    }
    if (retrying) {
      const delay = retryDelayMs(policy, attempt);
      const until = Date.now() + delay;
      pending.job = { ...pending.job, status: JobStatus.Waiting };
      pending.steps.push({
        position: i,
        status: StepStatus.Waiting,
        finishedAt,
        nextAttemptAt: new Date(until),
        errorCode: error.code,
        errorMessage: error.message,
      });
      pending.events.push(...result.logs, {
        type: JobEventType.StepRetrying,
        step: step.name,
        message: `Attempt ${attempt} of ${policy.maxAttempts} failed: ${error.message}. Next attempt at ${new Date(until).toISOString()} (in ${formatDuration(delay)})`,
      });
      if (!(await this.writer.commit(run, pending))) return this.writer.stopped(run);
      return { kind: 'delayed', until };
    }
    row.status = StepStatus.Failed;
    pending.steps.push({
      position: i,
      status: StepStatus.Failed,
      finishedAt,
      errorCode: error.code,
      errorMessage: error.message,
    });
    pending.events.push(...result.logs, {
      type: JobEventType.StepFailed,
      step: step.name,
      message: transient
        ? `Failed after ${attempt} attempts: ${error.message}`
        : `Failed: ${error.message} (${error.code}; permanent, not retried)`,
    });
    return windDown(this.writer, run, job, steps, definition, outputs, false, error, pending);
  }

  /** The worker is stopping: give the job back to the queue between two steps. */
  private async handOver(run: ActiveRun, nextStep: string, pending: Pending): Promise<RunOutcome> {
    pending.job = { ...pending.job, status: JobStatus.Queued };
    pending.events.push({
      type: JobEventType.JobRequeued,
      step: null,
      message: `Worker ${WORKER_NAME} is stopping; another worker continues with step "${nextStep}"`,
    });
    if (!(await this.writer.commit(run, pending))) return this.writer.stopped(run);
    return { kind: 'delayed', until: Date.now() };
  }
}

function defaultResult(definition: Definition, steps: StepRow[], outputs: RunOutputs): Record<string, unknown> | null {
  for (let i = definition.steps.length - 1; i >= 0; i--) {
    if (steps[i].status !== StepStatus.Succeeded) continue;
    const output = outputs.of(definition.steps[i].name);
    return typeof output === 'object' && output !== null && !Array.isArray(output)
      ? (output as Record<string, unknown>)
      : null;
  }
  return null;
}

/** Marks the steps after `position` SKIPPED, but those that run `always`. */
function skipRest(
  definition: Definition,
  steps: StepRow[],
  position: number,
  reason: string,
  finishedAt: Date,
  pending: Pending,
): void {
  for (let j = position + 1; j < steps.length; j++) {
    if (definition.steps[j].always || DONE_STEP_STATUSES.has(steps[j].status)) continue;
    steps[j].status = StepStatus.Skipped;
    pending.steps.push({
      position: j,
      status: StepStatus.Skipped,
      finishedAt,
      output: null,
      errorCode: null,
      errorMessage: null,
    });
    pending.events.push({
      type: JobEventType.StepSkipped,
      step: definition.steps[j].name,
      message: `Skipped: ${reason}`,
    });
  }
}
