/** Lifecycle of a job (a workflow run), as the public API names it. */
export enum JobStatus {
  Queued = 'QUEUED',
  Running = 'RUNNING',
  /** Waiting on a lock held by another job, or on a retry delay. */
  Waiting = 'WAITING',
  Succeeded = 'SUCCEEDED',
  Failed = 'FAILED',
  Cancelled = 'CANCELLED',
}

export const FINISHED_JOB_STATUSES: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled];

export function isFinishedJobStatus(status: JobStatus): boolean {
  return FINISHED_JOB_STATUSES.includes(status);
}

/** Lifecycle of one step of a job. */
export enum StepStatus {
  Pending = 'PENDING',
  Running = 'RUNNING',
  Waiting = 'WAITING',
  Succeeded = 'SUCCEEDED',
  Skipped = 'SKIPPED',
  Failed = 'FAILED',
  Cancelled = 'CANCELLED',
  Compensated = 'COMPENSATED',
}
