import { hostname } from 'node:os';
import { ErrorCode, isFinishedJobStatus, JobStatus, StepStatus } from '@tomo/shared';
import { JobEventType } from './job-event-type';
import type { JobEventPublisher } from './job-events';
import type { JobLocks, LockSpec } from './job-lock';
import {
  type CommitResult,
  type JobChange,
  type JobPatch,
  type JobRow,
  type JobStore,
  type NewEvent,
  NOT_FINISHED_STATUSES,
  type StepPatch,
  type StepRow,
} from './job-store';
import {
  describeError,
  formatDuration,
  isTransientError,
  JobCancelledError,
  type JobErrorInfo,
  retryDelayMs,
  StepTimeoutError,
} from './step-errors';
import { Interrupt, untilInterrupted } from './interrupt';
import { StepLogBuffer } from './step-log-buffer';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  retryPolicyOf,
  type StepContext,
  type StepDefinition,
  type StepSkip,
  type WorkflowDefinition,
} from './workflow-definition';
import type { WorkflowRegistry } from './workflow-registry';

type Definition = WorkflowDefinition<Record<string, unknown>>;
type Step = StepDefinition<Record<string, unknown>>;

/** What the BullMQ processor does after a run: nothing, re-queue it for later, or fail it. */
export type RunOutcome =
  | { kind: 'finished'; status: JobStatus }
  | { kind: 'delayed'; until: number }
  | { kind: 'failed'; error: JobErrorInfo };

export interface WorkflowRunnerOptions {
  /** When a lock-waiting job looks again if no release woke it earlier. */
  lockRetryMs: number;
  /** Mutating workflows allowed at once on a server (default 1). */
  serverConcurrency: (serverId: string) => number | Promise<number>;
  logFlushMs: number;
  logBatchSize: number;
}

export interface RunnerLogger {
  warn(message: string): void;
  error(message: string): void;
}

interface Pending {
  job: JobPatch;
  steps: StepPatch[];
  events: NewEvent[];
}

type AttemptResult = { ok: true; output: unknown; skip: string | null; logs: NewEvent[] } | { ok: false; error: unknown; logs: NewEvent[] };

const emptyPending = (): Pending => ({ job: {}, steps: [], events: [] });
const DONE_STEP_STATUSES = new Set([StepStatus.Succeeded, StepStatus.Skipped, StepStatus.Compensated]);
const WORKER_NAME = `${hostname()}:${process.pid}`;
/** A step still running after this long gets its start written (and streamed) before its outcome. */
const START_COMMIT_GRACE_MS = 15;
const STILL_RUNNING = Symbol('still running');

/**
 * Runs one workflow run inside one BullMQ job: every step of the run in a row, each step's
 * state change and its events in one DB transaction. The DB is the record, so a run that is
 * delivered again (after a crash, a retry delay or a lock wait) resumes at the first step
 * that has not finished and never runs a finished one again.
 */
export class WorkflowRunner {
  private readonly active = new Map<string, Interrupt>();
  private stopping = false;

  constructor(
    private readonly store: JobStore,
    private readonly publisher: JobEventPublisher,
    private readonly locks: JobLocks,
    private readonly registry: WorkflowRegistry,
    private readonly wakeJobs: (jobIds: string[]) => Promise<void>,
    private readonly logger: RunnerLogger,
    private readonly options: WorkflowRunnerOptions,
  ) {}

  get activeJobIds(): string[] {
    return [...this.active.keys()];
  }

  /** Aborts the running step of a job this process runs (a cancellation request). */
  cancel(jobId: string): boolean {
    const cancel = this.active.get(jobId);
    if (!cancel || cancel.aborted) return false;
    cancel.abort(new JobCancelledError());
    return true;
  }

  /** From now on, runs hand their job back to the queue at the next step boundary. */
  stop(): void {
    this.stopping = true;
  }

  async run(jobId: string): Promise<RunOutcome> {
    const cancel = new Interrupt();
    // Registered before the job row is read: a cancel request that lands after that read
    // arrives through cancel(), one that lands before it is seen in the row.
    this.active.set(jobId, cancel);
    try {
      return await this.load(jobId, cancel);
    } finally {
      this.active.delete(jobId);
    }
  }

  /** A BullMQ job ended without our step loop deciding it (stall limit, crash of the loop itself). */
  async failUnfinished(jobId: string, reason: string): Promise<void> {
    const error = { code: ErrorCode.Internal, message: `The job stopped unexpectedly: ${reason}` };
    const run = await this.store.loadRun(jobId);
    await this.commit(
      jobId,
      {
        job: { status: JobStatus.Failed, finishedAt: new Date(), errorCode: error.code, errorMessage: error.message },
        steps: [],
        events: [{ type: JobEventType.JobFailed, step: null, message: `Failed: ${error.message}` }],
      },
      run?.job,
    );
  }

  private async load(jobId: string, cancel: Interrupt): Promise<RunOutcome> {
    const run = await this.store.loadRun(jobId);
    if (!run || isFinishedJobStatus(run.job.status)) return { kind: 'finished', status: run?.job.status ?? JobStatus.Cancelled };
    const job = run.job;
    const definition = this.registry.get(job.kind);
    if (!definition) {
      return this.failBeforeStart(job, `No workflow is registered for job kind "${job.kind}" in this worker`);
    }
    let steps = run.steps;
    if (steps.length < definition.steps.length) {
      await this.store.addMissingSteps(jobId, definition.steps.map((s) => s.name), steps.length);
      steps = await this.store.loadSteps(jobId);
    }
    const mismatch = definition.steps.findIndex((step, i) => steps[i]?.name !== step.name);
    if (mismatch >= 0 || steps.length !== definition.steps.length) {
      return this.failBeforeStart(job, `The "${job.kind}" workflow changed since this job was created; start it again`);
    }
    if (job.cancelRequested) cancel.abort(new JobCancelledError());

    const serverLimit = definition.mutatesServer && job.serverId ? await this.options.serverConcurrency(job.serverId) : 1;
    const lock = this.locks.specFor(job, definition.mutatesServer ?? false, serverLimit, definition.exclusive?.(job.input) ?? []);
    if (lock && !cancel.aborted) {
      const acquired = await this.locks.acquire(lock, jobId);
      if (!acquired.acquired) return this.waitForLock(job, acquired.holders);
    }
    let outcome: RunOutcome | undefined;
    try {
      outcome = await this.execute(job, steps, definition, cancel);
      return outcome;
    } finally {
      if (lock) await this.settleLock(lock, jobId, outcome);
    }
  }

  private async settleLock(lock: LockSpec, jobId: string, outcome: RunOutcome | undefined): Promise<void> {
    try {
      if (outcome?.kind === 'delayed') {
        // The server may be half-changed while the job waits to retry: keep it locked.
        await this.locks.extend(lock, jobId, Math.max(0, outcome.until - Date.now()));
      } else {
        const waiters = await this.locks.release(lock, jobId);
        if (waiters.length > 0) await this.wakeJobs(waiters);
      }
    } catch (error) {
      this.logger.warn(`Job ${jobId}: could not settle its locks (their lease will run out): ${describeError(error).message}`);
    }
  }

  private async waitForLock(job: JobRow, holders: string[]): Promise<RunOutcome> {
    const message = `Waiting for job ${holders.join(', ')}`;
    const last = job.status === JobStatus.Waiting ? await this.store.lastEvent(job.id) : null;
    if (last?.message !== message) {
      await this.commit(job.id, {
        job: { status: JobStatus.Waiting },
        steps: [],
        events: [{ type: JobEventType.JobWaiting, step: null, message }],
      });
    }
    return { kind: 'delayed', until: Date.now() + this.options.lockRetryMs };
  }

  private async failBeforeStart(job: JobRow, message: string): Promise<RunOutcome> {
    const error = { code: ErrorCode.Internal, message };
    await this.commit(
      job.id,
      {
        job: { status: JobStatus.Failed, finishedAt: new Date(), errorCode: error.code, errorMessage: error.message },
        steps: [],
        events: [{ type: JobEventType.JobFailed, step: null, message: `Failed: ${message}` }],
      },
      job,
    );
    return { kind: 'failed', error };
  }

  private async execute(job: JobRow, steps: StepRow[], definition: Definition, cancel: Interrupt): Promise<RunOutcome> {
    const outputs: Record<string, unknown> = {};
    for (const row of steps) if (row.status === StepStatus.Succeeded) outputs[row.name] = row.output;

    // Resumed after the outcome was decided (crash during compensation): finish winding down.
    const decided = steps.findIndex((row) => row.status === StepStatus.Failed || row.status === StepStatus.Cancelled);
    if (decided >= 0) {
      const row = steps[decided];
      const cancelled = row.status === StepStatus.Cancelled;
      const error = cancelled
        ? describeError(new JobCancelledError())
        : { code: row.errorCode ?? ErrorCode.Internal, message: row.errorMessage ?? 'Step failed' };
      return this.windDown(job, steps, definition, outputs, cancelled, error, emptyPending());
    }

    let pending = emptyPending();
    if (!job.startedAt) {
      pending.events.push({ type: JobEventType.JobStarted, step: null, message: `Started on worker ${WORKER_NAME}` });
    } else {
      // Still RUNNING on arrival: the worker that ran it died or handed it back mid-run.
      const why = job.status === JobStatus.Running ? ' (the previous worker stopped mid-run)' : '';
      pending.events.push({ type: JobEventType.JobResumed, step: null, message: `Resumed on worker ${WORKER_NAME}${why}` });
    }
    const runStartedAt = Date.now();

    for (let i = 0; i < definition.steps.length; i++) {
      const row = steps[i];
      if (DONE_STEP_STATUSES.has(row.status)) continue;
      const step = definition.steps[i];
      if (cancel.aborted) {
        const error = describeError(new JobCancelledError());
        if (row.status === StepStatus.Running || row.status === StepStatus.Waiting) {
          // Interrupted mid-way or waiting for its next attempt: it did not finish, so it is cancelled.
          row.status = StepStatus.Cancelled;
          pending.steps.push({ position: i, status: StepStatus.Cancelled, finishedAt: new Date(), nextAttemptAt: null, errorCode: error.code, errorMessage: error.message });
          pending.events.push({ type: JobEventType.StepCancelled, step: step.name, message: 'Cancelled before its next attempt' });
        }
        return this.windDown(job, steps, definition, outputs, true, error, pending);
      }
      if (this.stopping) return this.handOver(job.id, step.name, pending);

      const policy = retryPolicyOf(step);
      const attempt = row.attempts + 1;
      const startedAt = new Date();
      const note = row.status === StepStatus.Running ? ' (the previous attempt was interrupted)' : '';
      const start: Pending = {
        job: { ...pending.job, status: JobStatus.Running, startedAt },
        steps: [...pending.steps, { position: i, status: StepStatus.Running, attempts: attempt, startedAt, nextAttemptAt: null }],
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
        (startCommit ??= this.commit(job.id, start).then((started) => {
          if (started?.cancelRequested) cancel.abort(new JobCancelledError());
          return started;
        }));
      row.status = StepStatus.Running;
      row.attempts = attempt;

      const running = this.attempt(job, step, attempt, outputs, cancel, commitStart);
      const early = await settledWithin(running, START_COMMIT_GRACE_MS);
      if (early === STILL_RUNNING) await commitStart();
      const result = early === STILL_RUNNING ? await running : early;
      if (startCommit) {
        if (!(await startCommit)) return { kind: 'finished', status: JobStatus.Cancelled };
      } else {
        pending = start;
      }
      const finishedAt = new Date();
      const durationMs = finishedAt.getTime() - startedAt.getTime();
      const took = formatDuration(durationMs);
      if (result.ok) {
        row.status = result.skip === null ? StepStatus.Succeeded : StepStatus.Skipped;
        this.stepFinished(job, step.name, row.status, durationMs);
        if (result.skip === null) outputs[step.name] = result.output;
        pending.steps.push({
          position: i,
          status: row.status,
          finishedAt,
          output: result.skip === null ? result.output ?? null : null,
          errorCode: null,
          errorMessage: null,
        });
        pending.events.push(...result.logs, {
          type: result.skip === null ? JobEventType.StepSucceeded : JobEventType.StepSkipped,
          step: step.name,
          message: result.skip === null ? `Succeeded in ${took}` : `Skipped: ${result.skip}`,
        });
        if (i === definition.steps.length - 1) break;
        // Durable before the next step starts: a finished step never runs again.
        const finished = await this.commit(job.id, pending);
        pending = emptyPending();
        if (!finished) return { kind: 'finished', status: JobStatus.Cancelled };
        if (finished.cancelRequested) cancel.abort(new JobCancelledError());
        continue;
      }

      // A cancel that lands while the step fails for another reason still cancels the job.
      const cancelled = cancel.aborted;
      const error = describeError(result.error);
      const transient = !cancelled && isTransientError(result.error, step);
      const retrying = transient && attempt < policy.maxAttempts;
      this.stepFinished(job, step.name, cancelled ? StepStatus.Cancelled : retrying ? StepStatus.Waiting : StepStatus.Failed, durationMs);
      if (cancelled) {
        row.status = StepStatus.Cancelled;
        pending.steps.push({ position: i, status: StepStatus.Cancelled, finishedAt, errorCode: error.code, errorMessage: error.message });
        pending.events.push(...result.logs, { type: JobEventType.StepCancelled, step: step.name, message: `Cancelled after ${took}` });
        return this.windDown(job, steps, definition, outputs, true, error, pending);
      }
      if (retrying) {
        const delay = retryDelayMs(policy, attempt);
        const until = Date.now() + delay;
        pending.job = { ...pending.job, status: JobStatus.Waiting };
        pending.steps.push({ position: i, status: StepStatus.Waiting, finishedAt, nextAttemptAt: new Date(until), errorCode: error.code, errorMessage: error.message });
        pending.events.push(...result.logs, {
          type: JobEventType.StepRetrying,
          step: step.name,
          message: `Attempt ${attempt} of ${policy.maxAttempts} failed: ${error.message}. Next attempt at ${new Date(until).toISOString()} (in ${formatDuration(delay)})`,
        });
        await this.commit(job.id, pending);
        return { kind: 'delayed', until };
      }
      row.status = StepStatus.Failed;
      pending.steps.push({ position: i, status: StepStatus.Failed, finishedAt, errorCode: error.code, errorMessage: error.message });
      pending.events.push(...result.logs, {
        type: JobEventType.StepFailed,
        step: step.name,
        message: transient
          ? `Failed after ${attempt} attempts: ${error.message}`
          : `Failed: ${error.message} (${error.code}; permanent, not retried)`,
      });
      return this.windDown(job, steps, definition, outputs, false, error, pending);
    }

    const result = definition.result ? definition.result(outputs) : defaultResult(definition, steps, outputs);
    pending.job = { ...pending.job, status: JobStatus.Succeeded, finishedAt: new Date(), result, errorCode: null, errorMessage: null };
    pending.events.push({ type: JobEventType.JobSucceeded, step: null, message: `Succeeded in ${formatDuration(Date.now() - runStartedAt)}` });
    await this.commit(job.id, pending, job);
    return { kind: 'finished', status: JobStatus.Succeeded };
  }

  /** Runs one attempt of a step under its timeout and the job's cancellation. */
  private async attempt(
    job: JobRow,
    step: Step,
    attempt: number,
    outputs: Record<string, unknown>,
    cancel: Interrupt,
    commitStart: () => Promise<unknown>,
  ): Promise<AttemptResult> {
    const interrupt = new Interrupt();
    const stopFollowingCancel = cancel.onAbort((reason) => interrupt.abort(reason));
    const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    const timer = setTimeout(() => interrupt.abort(new StepTimeoutError(step.name, timeoutMs)), timeoutMs);
    const logs = this.logBuffer(job.id, step.name, commitStart);
    const ctx: StepContext<Record<string, unknown>> = {
      jobId: job.id,
      kind: job.kind,
      input: job.input,
      serverId: job.serverId,
      deploymentId: job.deploymentId,
      step: step.name,
      attempt,
      get signal() {
        return interrupt.signal;
      },
      outputs,
      log: logs.add,
      skip: (reason: string): StepSkip => ({ skipped: true, reason }),
    };
    try {
      const output = await untilInterrupted(() => step.run(ctx), interrupt);
      return { ok: true, output: isSkip(output) ? null : output, skip: isSkip(output) ? output.reason : null, logs: await logs.close() };
    } catch (error) {
      return { ok: false, error, logs: await logs.close() };
    } finally {
      clearTimeout(timer);
      stopFollowingCancel();
    }
  }

  /** After a failure or cancellation: undo the finished steps in reverse order, then finish the job. */
  private async windDown(
    job: JobRow,
    steps: StepRow[],
    definition: Definition,
    outputs: Record<string, unknown>,
    cancelled: boolean,
    error: JobErrorInfo,
    pending: Pending,
  ): Promise<RunOutcome> {
    const toUndo = definition.steps
      .map((step, i) => ({ step, row: steps[i], position: i }))
      .filter(({ step, row }) => row.status === StepStatus.Succeeded && step.compensate)
      .reverse();
    if (toUndo.length > 0) {
      pending.events.push({
        type: JobEventType.JobCompensating,
        step: null,
        message: `Undoing ${toUndo.length} finished step(s): ${toUndo.map(({ step }) => step.name).join(', ')}`,
      });
      await this.commit(job.id, pending);
      pending = emptyPending();
    }
    for (const { step, row, position } of toUndo) {
      const outcome = await this.compensate(job, step, row, outputs);
      if (outcome.ok) {
        row.status = StepStatus.Compensated;
        await this.commit(job.id, {
          job: {},
          steps: [{ position, status: StepStatus.Compensated }],
          events: [...outcome.logs, { type: JobEventType.StepCompensated, step: step.name, message: 'Compensated (undone)' }],
        });
      } else {
        await this.commit(job.id, {
          job: {},
          steps: [],
          events: [
            ...outcome.logs,
            { type: JobEventType.StepCompensationFailed, step: step.name, message: `Compensation failed: ${describeError(outcome.error).message}` },
          ],
        });
      }
    }
    const status = cancelled ? JobStatus.Cancelled : JobStatus.Failed;
    pending.job = { ...pending.job, status, finishedAt: new Date(), errorCode: error.code, errorMessage: error.message };
    pending.events.push(
      cancelled
        ? { type: JobEventType.JobCancelled, step: null, message: 'Cancelled' }
        : { type: JobEventType.JobFailed, step: null, message: `Failed: ${error.message}` },
    );
    await this.commit(job.id, pending, job);
    return cancelled ? { kind: 'finished', status } : { kind: 'failed', error };
  }

  /** A compensation gets the step's attempts (transient errors retried in place) and timeout; cancellation does not reach it. */
  private async compensate(job: JobRow, step: Step, row: StepRow, outputs: Record<string, unknown>): Promise<AttemptResult> {
    const policy = retryPolicyOf(step);
    const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    const logs = this.logBuffer(job.id, step.name);
    let lastError: unknown;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const interrupt = new Interrupt();
      const timer = setTimeout(() => interrupt.abort(new StepTimeoutError(`${step.name} (compensation)`, timeoutMs)), timeoutMs);
      try {
        await untilInterrupted(
          () =>
            (step.compensate as NonNullable<Step['compensate']>)({
              jobId: job.id,
              input: job.input,
              serverId: job.serverId,
              deploymentId: job.deploymentId,
              step: step.name,
              output: row.output,
              outputs,
              signal: interrupt.signal,
              log: logs.add,
            }),
          interrupt,
        );
        return { ok: true, output: null, skip: null, logs: await logs.close() };
      } catch (error) {
        lastError = error;
        if (!isTransientError(error, step) || attempt === policy.maxAttempts) break;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(policy, attempt)));
      } finally {
        clearTimeout(timer);
      }
    }
    return { ok: false, error: lastError, logs: await logs.close() };
  }

  /** The worker is stopping: give the job back to the queue between two steps. */
  private async handOver(jobId: string, nextStep: string, pending: Pending): Promise<RunOutcome> {
    pending.job = { ...pending.job, status: JobStatus.Queued };
    pending.events.push({
      type: JobEventType.JobRequeued,
      step: null,
      message: `Worker ${WORKER_NAME} is stopping; another worker continues with step "${nextStep}"`,
    });
    await this.commit(jobId, pending);
    return { kind: 'delayed', until: Date.now() };
  }

  /** `before` runs ahead of the first write, so log lines never precede their step's start on the timeline. */
  private logBuffer(jobId: string, step: string, before: () => Promise<unknown> = async () => undefined): StepLogBuffer {
    return new StepLogBuffer(
      step,
      async (events) => {
        try {
          await before();
          await this.commit(jobId, { job: {}, steps: [], events });
        } catch (error) {
          this.logger.warn(`Job ${jobId}: could not store ${events.length} log line(s): ${describeError(error).message}`);
        }
      },
      this.options.logFlushMs,
      this.options.logBatchSize,
    );
  }

  private stepFinished(job: JobRow, step: string, status: StepStatus, durationMs: number): void {
    this.registry.notify({ step: { jobId: job.id, kind: job.kind, step, status, durationMs } }, (error) =>
      this.logger.warn(`Job ${job.id}: a workflow observer failed: ${describeError(error).message}`),
    );
  }

  /** `job`: given when this change may finish the job, so observers hear of it once it is stored. */
  private async commit(jobId: string, pending: Pending, job?: JobRow): Promise<CommitResult | null> {
    let events = pending.events;
    const to = pending.job.status;
    if (to && to !== JobStatus.Running && events.length > 1) {
      // Several steps of the story in one transaction: the job was running until the last event.
      events = events.map((event, i) => (i < events.length - 1 && !event.status ? { ...event, status: JobStatus.Running } : event));
    }
    const change: JobChange = { jobId, job: pending.job, steps: pending.steps, events, onlyIfStatusIn: NOT_FINISHED_STATUSES };
    const result = await this.store.commit(change);
    if (result) this.publisher.publish(result.events);
    if (result && job && isFinishedJobStatus(result.status)) {
      const finished = { jobId, kind: job.kind, status: result.status, serverId: job.serverId, deploymentId: job.deploymentId };
      const error = pending.job.errorCode ? { code: pending.job.errorCode, message: pending.job.errorMessage ?? '' } : null;
      this.registry.notify({ job: { ...finished, error } }, (e) =>
        this.logger.warn(`Job ${jobId}: a workflow observer failed: ${describeError(e).message}`),
      );
    }
    return result;
  }
}

/** The promise's value if it settles within `ms`, else STILL_RUNNING. */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | typeof STILL_RUNNING> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(STILL_RUNNING), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function isSkip(value: unknown): value is StepSkip {
  return typeof value === 'object' && value !== null && (value as StepSkip).skipped === true && typeof (value as StepSkip).reason === 'string';
}

function defaultResult(definition: Definition, steps: StepRow[], outputs: Record<string, unknown>): Record<string, unknown> | null {
  for (let i = definition.steps.length - 1; i >= 0; i--) {
    if (steps[i].status !== StepStatus.Succeeded) continue;
    const output = outputs[definition.steps[i].name];
    return typeof output === 'object' && output !== null && !Array.isArray(output) ? (output as Record<string, unknown>) : null;
  }
  return null;
}
