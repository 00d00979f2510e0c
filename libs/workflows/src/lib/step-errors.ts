import { UnrecoverableError } from 'bullmq';
import {
  ErrorCode,
  isDependencyUnavailable,
  isTransientCode,
  isTransientError as isTransientSharedError,
  TomoException,
} from '@tomo/shared';
import type { RetryPolicy, StepDefinition } from './workflow-definition';

/** A stored error code (of a failed step row) that another attempt cannot help; see `isTransientCode`. */
export function isPermanentCode(code: string): boolean {
  return !isTransientCode(code);
}

/**
 * Default classification: the one of @tomo/shared (by code; unexpected errors are retried up to
 * the step's maxAttempts), except that an UnrecoverableError fails the step at once. A step's
 * own `isTransient` decides first.
 */
export function isTransientError(error: unknown, step?: Pick<StepDefinition, 'isTransient'>): boolean {
  const own = step?.isTransient?.(error);
  if (own !== undefined) return own;
  if (error instanceof UnrecoverableError) return false;
  return isTransientSharedError(error);
}

export interface JobErrorInfo {
  code: string;
  message: string;
}

const MAX_ERROR_MESSAGE = 2_000;

/** What the timeline and the job row show for an error. */
export function describeError(error: unknown): JobErrorInfo {
  if (error instanceof TomoException) return { code: error.code, message: truncate(error.message) };
  // Redis or the database unreachable is not a bug: say so, so that people retry instead of reporting it.
  const code = isDependencyUnavailable(error) ? ErrorCode.Unavailable : ErrorCode.Internal;
  if (error instanceof Error) return { code, message: truncate(error.message || error.name) };
  return { code, message: truncate(String(error)) };
}

function truncate(message: string): string {
  return message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE)}…` : message;
}

/**
 * Delay before attempt `failedAttempt + 1`: exponential, capped at maxDelayMs, with "equal
 * jitter" (half fixed, half random) so retries of many jobs spread out but never come early.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * policy.factor ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** Thrown into a step's signal when a user cancels the job. */
export class JobCancelledError extends TomoException {
  constructor() {
    super(ErrorCode.Cancelled, 'Cancelled on request');
  }
}

/**
 * Thrown into a step's signal when its run lost its lease (the queue's lock on the job, or a
 * server/deployment lock): another worker may run the job now, so this run stops and writes nothing.
 */
export class LeaseLostError extends Error {
  constructor(why: string) {
    super(`The run lost its lease: ${why}`);
    this.name = 'LeaseLostError';
  }
}

export class StepTimeoutError extends TomoException {
  constructor(step: string, timeoutMs: number) {
    super(ErrorCode.StepTimeout, `Step "${step}" did not finish within ${formatDuration(timeoutMs)}`);
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
