/** Types of timeline events (stored in job_event.type; clients branch on them: add, never rename). */
export enum JobEventType {
  JobQueued = 'job.queued',
  JobStarted = 'job.started',
  /** Running again after a retry delay, a lock wait or a worker handover. */
  JobResumed = 'job.resumed',
  /** Waiting for a lock held by another job. */
  JobWaiting = 'job.waiting',
  /** A stopping worker handed the job back to the queue between two steps. */
  JobRequeued = 'job.requeued',
  JobCancelRequested = 'job.cancel-requested',
  JobCompensating = 'job.compensating',
  JobSucceeded = 'job.succeeded',
  JobFailed = 'job.failed',
  JobCancelled = 'job.cancelled',
  StepStarted = 'step.started',
  StepLog = 'step.log',
  StepSucceeded = 'step.succeeded',
  StepSkipped = 'step.skipped',
  /** An attempt failed with a transient error; the message says when the next attempt is. */
  StepRetrying = 'step.retrying',
  StepFailed = 'step.failed',
  StepCancelled = 'step.cancelled',
  StepCompensated = 'step.compensated',
  StepCompensationFailed = 'step.compensation-failed',
}

/** The last event of every finished job is one of these. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  JobEventType.JobSucceeded,
  JobEventType.JobFailed,
  JobEventType.JobCancelled,
]);
