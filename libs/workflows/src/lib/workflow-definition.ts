import type { JobKind } from '@tomo/shared';

/**
 * The input each job kind takes: one typed map shared by producers (JobsService.create) and
 * the workflow definitions. Feature libraries add their kinds by module augmentation:
 *
 *   declare module '@tomo/workflows' { interface JobInputs { [JobKind.InstallApp]: InstallAppInput } }
 *
 * Inputs are stored on the job row as JSON: ids and plain settings only, never secrets.
 */
export interface JobInputs {
  [JobKind.SystemPing]: Record<string, never>;
  /** Without retentionDays: the jobRetentionDays setting. */
  [JobKind.MaintenancePruneJobs]: { retentionDays?: number };
}

/** The input type of a kind; kinds outside JobKind (test workflows) take a plain object. */
export type JobInputOf<K extends string> = K extends keyof JobInputs ? JobInputs[K] : Record<string, unknown>;

export interface RetryPolicy {
  /** Attempts in total, the first one included. 1 = never retry. */
  maxAttempts: number;
  /** Delay before the second attempt; doubles (times `factor`) with each further attempt. */
  initialDelayMs: number;
  /** Upper bound of any single delay. */
  maxDelayMs: number;
  factor: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  factor: 2,
};

export const DEFAULT_STEP_TIMEOUT_MS = 5 * 60_000;

/** What a step returns to say it had nothing to do (see StepContext.skip). */
export interface StepSkip {
  readonly skipped: true;
  readonly reason: string;
}

/** Carries a step's output type; never set at run time. */
declare const OUTPUT: unique symbol;

/**
 * A step as later steps see it: `ctx.output(handle)` reads its output, typed. The handle is the
 * step definition itself (`workflow.step(…)` returns it); outputs are stored by step name.
 */
export interface StepHandle<TOutput> {
  readonly name: string;
  // A function type, not the bare type: inference would drop `undefined` from an optional property.
  readonly [OUTPUT]?: () => TOutput;
}

/**
 * What a step's output reads as: what `run` resolves with, and `undefined` when `run` can
 * return `ctx.skip(…)` (a skipped step has no output).
 */
export type OutputOf<R> = StepSkip extends R ? Exclude<R, StepSkip> | undefined : R;

/** Reads the outputs of a run's finished steps (persisted across resumes). */
export interface StepOutputs {
  /**
   * The output of `step`, which must come earlier in the same workflow (else it throws: a
   * programming error). `undefined` when it was skipped, by itself or by an earlier `skipRest`.
   */
  output<T>(step: StepHandle<T>): T;
}

/** What every step and compensation is given: the one context type of the engine. */
export interface WorkflowContext<TInput = Record<string, unknown>> extends StepOutputs {
  readonly jobId: string;
  readonly kind: string;
  readonly input: TInput;
  readonly serverId: string | null;
  readonly deploymentId: string | null;
  /** The running step's name. */
  readonly step: string;
  /** 1-based attempt number of this step (or of its compensation). */
  readonly attempt: number;
  /**
   * Aborted when the job is cancelled or the step times out (a compensation: on its timeout
   * only). Pass it down to everything that waits (remote commands, fetches, timers): the engine
   * stops waiting for the step once it fires, so work that ignores it would go on unobserved.
   */
  readonly signal: AbortSignal;
  /** Adds a line to the timeline. Buffered: lines are written and streamed in batches. */
  log(line: string): void;
}

export interface StepContext<TInput = Record<string, unknown>> extends WorkflowContext<TInput> {
  /** `return ctx.skip('image already present')` marks the step SKIPPED instead of SUCCEEDED. */
  skip(reason: string): StepSkip;
  /**
   * Once this step succeeds, the steps after it are SKIPPED (with `reason`), except those marked
   * `always`: e.g. an install that finds its app already running. Recorded with the step's
   * outcome, so a resumed run skips them too.
   */
  skipRest(reason: string): void;
}

export interface CompensationContext<
  TInput = Record<string, unknown>,
  TOutput = unknown,
> extends WorkflowContext<TInput> {
  /**
   * The output the step produced when it succeeded; null when its outcome is unknown (it was
   * cancelled, timed out or failed with a transient error: it may have done part or all of its work).
   */
  readonly stepOutput: TOutput | null;
}

/** How a step runs; `context` is what the workflow's `context` built for this attempt. */
export interface StepOptions<TInput, TContext, R> {
  /** Must be idempotent: a step interrupted by a crash runs again. */
  run(ctx: StepContext<TInput>, context: TContext): Promise<R>;
  readonly retry?: Partial<RetryPolicy>;
  /** How the compensation is retried (default: see compensationPolicyOf). */
  readonly compensationRetry?: Partial<RetryPolicy>;
  readonly timeoutMs?: number;
  /** Runs even when an earlier step skipped the rest of the run (`ctx.skipRest`). */
  readonly always?: boolean;
  /**
   * Undoes the step after a later step failed for good or the job was cancelled, and also the
   * step itself when its outcome is unknown (see CompensationContext.stepOutput). Idempotent too:
   * it checks what is there before removing it.
   */
  compensate?(ctx: CompensationContext<TInput, OutputOf<R>>, context: TContext): Promise<void>;
  /**
   * Overrides the default error classification (see isTransientError): true = retry,
   * false = fail now, undefined = use the default.
   */
  isTransient?(error: unknown): boolean | undefined;
}

export interface StepDefinition<TInput = Record<string, unknown>, TContext = unknown, R = unknown>
  extends StepOptions<TInput, TContext, R>, StepHandle<OutputOf<R>> {
  /** Unique within the workflow; shown on the timeline. Renaming one breaks resuming queued runs. */
  readonly name: string;
}

/**
 * A workflow as the registry holds it. `defineWorkflow` builds one with typed steps; tests and
 * benchmarks may also pass a plain object to `WorkflowRegistry.register`.
 */
export interface WorkflowDefinition<TInput = Record<string, unknown>, TContext = unknown> {
  /** A JobKind value (tests register kinds of their own). */
  readonly kind: string;
  /**
   * Changes a server: takes the server's lock (one such workflow per server at a time by
   * default). A job with a deploymentId always takes that deployment's lock.
   */
  readonly mutatesServer?: boolean;
  /**
   * Names of other things one job at a time may change (e.g. a marketplace repository's
   * checkout), from the job's input: each is a mutex across all worker processes, taken and
   * waited for like the deployment lock.
   */
  exclusive?(input: TInput): readonly string[];
  /**
   * What every step and compensation of the workflow works on (say the deployment record and a
   * Docker client for its server), declared once: built by the engine before each step attempt
   * and each compensation, so it is always read fresh from the database and bound to that
   * attempt's signal and timeline.
   */
  context?(ctx: WorkflowContext<TInput>): Promise<TContext>;
  readonly steps: readonly StepDefinition<TInput, TContext>[];
  /** The job's result from the step outputs; default: the last step's output if it is an object. */
  result?(outputs: StepOutputs): Record<string, unknown> | null;
}

export type WorkflowOptions<TInput, TContext> = Omit<WorkflowDefinition<TInput, TContext>, 'steps' | 'result'>;

/**
 * A workflow being defined, Hatchet style: each `step()` adds the next step and returns its
 * handle, through which later steps read its output (`ctx.output(validate)`), typed.
 */
export class Workflow<TInput, TContext> implements WorkflowDefinition<TInput, TContext> {
  readonly kind: string;
  readonly mutatesServer?: boolean;
  readonly exclusive?: (input: TInput) => readonly string[];
  readonly context?: (ctx: WorkflowContext<TInput>) => Promise<TContext>;
  readonly steps: StepDefinition<TInput, TContext>[] = [];
  result?: (outputs: StepOutputs) => Record<string, unknown> | null;

  constructor(options: WorkflowOptions<TInput, TContext>) {
    this.kind = options.kind;
    this.mutatesServer = options.mutatesServer;
    this.exclusive = options.exclusive;
    this.context = options.context;
  }

  step<R>(name: string, options: StepOptions<TInput, TContext, R>): StepDefinition<TInput, TContext, R> {
    const step: StepDefinition<TInput, TContext, R> = { name, ...options };
    // Stored with the output type erased: the runner treats every step alike.
    this.steps.push(step as unknown as StepDefinition<TInput, TContext>);
    return step;
  }

  /** The job's result from the step outputs (instead of the last step's output). */
  returns(result: (outputs: StepOutputs) => Record<string, unknown> | null): this {
    this.result = result;
    return this;
  }
}

/** Starts a workflow, its input typed by the kind (JobInputs); add its steps with `step()`. */
export function defineWorkflow<K extends string, TContext = undefined>(
  options: WorkflowOptions<JobInputOf<K>, TContext> & { kind: K },
): Workflow<JobInputOf<K>, TContext> {
  return new Workflow(options);
}

export function retryPolicyOf(step: Pick<StepDefinition, 'retry'>): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...step.retry };
}

/**
 * A compensation is more patient than its step: an undo left undone leaves the server half
 * changed, so a transient failure (the server unreachable, sshd restarting) is retried for a
 * minute or two — at least 8 attempts, the delay doubling up to 60 s — before the job records
 * "Compensation failed". Compensations are idempotent (they check before removing), so running
 * one again is safe.
 */
export function compensationPolicyOf(step: Pick<StepDefinition, 'retry' | 'compensationRetry'>): RetryPolicy {
  const policy = retryPolicyOf(step);
  return {
    ...policy,
    maxAttempts: Math.max(policy.maxAttempts, 8),
    maxDelayMs: Math.max(policy.maxDelayMs, 60_000),
    ...step.compensationRetry,
  };
}
