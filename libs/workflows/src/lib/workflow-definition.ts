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

export interface StepContext<TInput = Record<string, unknown>> {
  readonly jobId: string;
  readonly kind: string;
  readonly input: TInput;
  readonly serverId: string | null;
  readonly deploymentId: string | null;
  /** The running step's name. */
  readonly step: string;
  /** 1-based attempt number of this step. */
  readonly attempt: number;
  /**
   * Aborted when the job is cancelled or the step times out. Pass it down to everything that
   * waits (remote commands, fetches, timers): the engine stops waiting for the step once it
   * fires, so work that ignores it would go on unobserved.
   */
  readonly signal: AbortSignal;
  /** Outputs of the steps finished before this one, by step name (persisted across resumes). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Adds a line to the timeline. Buffered: lines are written and streamed in batches. */
  log(line: string): void;
  /** `return ctx.skip('image already present')` marks the step SKIPPED instead of SUCCEEDED. */
  skip(reason: string): StepSkip;
}

export interface CompensationContext<TInput = Record<string, unknown>> {
  readonly jobId: string;
  readonly input: TInput;
  readonly serverId: string | null;
  readonly deploymentId: string | null;
  readonly step: string;
  /**
   * The output the step produced when it succeeded; null when its outcome is unknown (it was
   * cancelled, timed out or failed with a transient error: it may have done part or all of its work).
   */
  readonly output: unknown;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Fires on the step's timeout only: a cancellation never interrupts an undo. */
  readonly signal: AbortSignal;
  log(line: string): void;
}

export interface StepDefinition<TInput = Record<string, unknown>> {
  /** Unique within the workflow; shown on the timeline. Renaming one breaks resuming queued runs. */
  readonly name: string;
  /** Must be idempotent: a step interrupted by a crash runs again. */
  run(ctx: StepContext<TInput>): Promise<unknown>;
  readonly retry?: Partial<RetryPolicy>;
  readonly timeoutMs?: number;
  /**
   * Undoes the step after a later step failed for good or the job was cancelled, and also the
   * step itself when its outcome is unknown (see CompensationContext.output). Idempotent too:
   * it checks what is there before removing it.
   */
  compensate?(ctx: CompensationContext<TInput>): Promise<void>;
  /**
   * Overrides the default error classification (see isTransientError): true = retry,
   * false = fail now, undefined = use the default.
   */
  isTransient?(error: unknown): boolean | undefined;
}

export interface WorkflowDefinition<TInput = Record<string, unknown>> {
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
  readonly steps: readonly StepDefinition<TInput>[];
  /** The job's result from the step outputs; default: the last step's output if it is an object. */
  result?(outputs: Readonly<Record<string, unknown>>): Record<string, unknown> | null;
}

/** Types a definition against the input map; returns it unchanged. */
export function defineWorkflow<K extends string>(
  definition: WorkflowDefinition<JobInputOf<K>> & { kind: K },
): WorkflowDefinition<JobInputOf<K>> & { kind: K } {
  return definition;
}

export function retryPolicyOf(step: Pick<StepDefinition<never>, 'retry'>): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...step.retry };
}
