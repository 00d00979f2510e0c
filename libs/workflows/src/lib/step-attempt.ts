import { Interrupt, untilInterrupted } from './interrupt';
import type { JobRow, NewEvent } from './job-store';
import { formatDuration, isTransientError, retryDelayMs, StepTimeoutError } from './step-errors';
import type { StepLogBuffer } from './step-log-buffer';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  compensationPolicyOf,
  type StepDefinition,
  type StepHandle,
  type StepOutputs,
  type StepSkip,
  type WorkflowContext,
  type WorkflowDefinition,
} from './workflow-definition';

export type Definition = WorkflowDefinition<Record<string, unknown>>;
export type Step = StepDefinition<Record<string, unknown>>;

export type AttemptResult =
  | { ok: true; output: unknown; skip: string | null; skipRest: string | null; logs: NewEvent[] }
  | { ok: false; error: unknown; logs: NewEvent[] };

/**
 * How long an interrupted step (cancelled, timed out) may go on in the background before the
 * run moves on: its next attempt or its compensation should see what it did, not race it.
 */
const INTERRUPTED_STEP_SETTLE_MS = 30_000;
export const STILL_RUNNING = Symbol('still running');

/**
 * The outputs of a run's finished steps by step name (as stored on the step rows, so a resumed
 * run reads the same), read by later steps through the handles of the steps that made them.
 */
export class RunOutputs {
  private readonly values = new Map<string, unknown>();

  constructor(private readonly definition: Definition) {}

  set(step: string, output: unknown): void {
    this.values.set(step, output);
  }

  /** The output of a succeeded step by name (the engine's own reads). */
  of(step: string): unknown {
    return this.values.get(step);
  }

  /** What the step at `position` may read: the steps before it (the job's result: all of them). */
  readerFor(position: number): StepOutputs {
    return {
      output: <T>(handle: StepHandle<T>): T => {
        const at = this.definition.steps.indexOf(handle as Step);
        if (at < 0 || at >= position) {
          const reader =
            position < this.definition.steps.length ? `Step "${this.definition.steps[position].name}"` : 'The result';
          throw new Error(
            `${reader} of workflow "${this.definition.kind}" reads step "${handle.name}", which does not come before it`,
          );
        }
        return this.values.get(handle.name) as T;
      },
    };
  }
}

/** One attempt of a step or of its compensation, as the runner plans it. */
export interface AttemptPlan {
  job: JobRow;
  definition: Definition;
  position: number;
  attempt: number;
  outputs: RunOutputs;
  logs: StepLogBuffer;
  /** Warns when an interrupted step goes on in the background past the settle time. */
  warn(message: string): void;
}

/**
 * Runs one attempt of a step under its timeout and the job's cancellation (`cancel`). After an
 * interrupt it waits (bounded) for the step to stop, unless `settle()` says the run is lost.
 */
export async function attemptStep(plan: AttemptPlan, cancel: Interrupt, settle: () => boolean): Promise<AttemptResult> {
  const step = plan.definition.steps[plan.position];
  const interrupt = new Interrupt();
  const stopFollowingCancel = cancel.onAbort((reason) => interrupt.abort(reason));
  const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const timer = setTimeout(() => interrupt.abort(new StepTimeoutError(step.name, timeoutMs)), timeoutMs);
  let skipRest: string | null = null;
  let running: Promise<unknown> = Promise.resolve();
  const ctx = workflowContext(plan, interrupt, {
    skip: (reason: string): StepSkip => ({ skipped: true, reason }),
    skipRest: (reason: string) => {
      skipRest = reason;
    },
  });
  try {
    const output = await untilInterrupted(
      () => (running = withContext(plan.definition, ctx, (context) => step.run(ctx, context))),
      interrupt,
    );
    const skip = isSkip(output) ? output.reason : null;
    return {
      ok: true,
      output: skip === null ? output : null,
      skip,
      skipRest: skip === null ? skipRest : null,
      logs: await plan.logs.close(),
    };
  } catch (error) {
    if (interrupt.aborted && settle()) await settleInterrupted(plan, step.name, running);
    return { ok: false, error, logs: await plan.logs.close() };
  } finally {
    clearTimeout(timer);
    stopFollowingCancel();
  }
}

/**
 * Undoes a step: transient errors are retried in place (compensationPolicyOf), each attempt with
 * the step's timeout; cancellation does not reach it. `stepOutput`: what the step returned, null if its outcome is unknown.
 */
export async function compensateStep(
  plan: Omit<AttemptPlan, 'attempt' | 'warn'>,
  stepOutput: unknown,
): Promise<AttemptResult> {
  const step = plan.definition.steps[plan.position];
  const compensate = step.compensate;
  const policy = compensationPolicyOf(step);
  const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  let lastError: unknown;
  for (let attempt = 1; compensate && attempt <= policy.maxAttempts; attempt++) {
    const interrupt = new Interrupt();
    const timer = setTimeout(
      () => interrupt.abort(new StepTimeoutError(`${step.name} (compensation)`, timeoutMs)),
      timeoutMs,
    );
    const ctx = workflowContext({ ...plan, attempt }, interrupt, { stepOutput });
    try {
      await untilInterrupted(() => withContext(plan.definition, ctx, (context) => compensate(ctx, context)), interrupt);
      return { ok: true, output: null, skip: null, skipRest: null, logs: await plan.logs.close() };
    } catch (error) {
      lastError = error;
      if (!isTransientError(error, step) || attempt === policy.maxAttempts) break;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(policy, attempt)));
    } finally {
      clearTimeout(timer);
    }
  }
  return { ok: false, error: lastError, logs: await plan.logs.close() };
}

/** The promise's value if it settles within `ms`, else STILL_RUNNING. */
export function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | typeof STILL_RUNNING> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(STILL_RUNNING), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** The context of an attempt, with what only steps (skip) or compensations (their output) get. */
function workflowContext<X extends object>(
  plan: Pick<AttemptPlan, 'job' | 'definition' | 'position' | 'attempt' | 'outputs' | 'logs'>,
  interrupt: Interrupt,
  extra: X,
): WorkflowContext & X {
  const { job } = plan;
  return {
    ...extra,
    ...plan.outputs.readerFor(plan.position),
    jobId: job.id,
    kind: job.kind,
    input: job.input,
    serverId: job.serverId,
    deploymentId: job.deploymentId,
    step: plan.definition.steps[plan.position].name,
    attempt: plan.attempt,
    // A getter: the AbortSignal is made only for a step that asks for it (see Interrupt).
    get signal() {
      return interrupt.signal;
    },
    log: plan.logs.add,
  };
}

/** Builds the workflow's context for this attempt (if it has one), then runs `body` with it. */
async function withContext<T>(
  definition: Definition,
  ctx: WorkflowContext,
  body: (context: unknown) => Promise<T>,
): Promise<T> {
  return body(definition.context ? await definition.context(ctx) : undefined);
}

/** Waits (bounded) for an interrupted step that goes on in the background, so what follows sees its effects. */
async function settleInterrupted(plan: AttemptPlan, step: string, running: Promise<unknown>): Promise<void> {
  const settled = await settledWithin(
    running.then(
      () => true,
      () => true,
    ),
    INTERRUPTED_STEP_SETTLE_MS,
  );
  if (settled === STILL_RUNNING) {
    plan.warn(
      `Job ${plan.job.id}: step "${step}" ignored its abort for ${formatDuration(INTERRUPTED_STEP_SETTLE_MS)}; going on without it`,
    );
  }
}

function isSkip(value: unknown): value is StepSkip {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as StepSkip).skipped === true &&
    typeof (value as StepSkip).reason === 'string'
  );
}
