import { JobStatus, StepStatus } from '@tomo/shared';
import type { ActiveRun } from './active-run';
import { JobEventType } from './job-event-type';
import type { JobRow, StepRow } from './job-store';
import { emptyPending, LOST, type Pending, type RunOutcome, type RunWriter } from './run-writer';
import { compensateStep, type Definition, type RunOutputs } from './step-attempt';
import { describeError, isPermanentCode, type JobErrorInfo } from './step-errors';

/**
 * After a failure or cancellation: undo in reverse order the finished steps and the step whose
 * outcome is unknown (interrupted, or failed with a transient error: it may have acted), then
 * finish the job.
 */
export async function windDown(
  writer: RunWriter,
  run: ActiveRun,
  job: JobRow,
  steps: StepRow[],
  definition: Definition,
  outputs: RunOutputs,
  cancelled: boolean,
  error: JobErrorInfo,
  pending: Pending,
): Promise<RunOutcome> {
  const toUndo = definition.steps
    .map((step, i) => ({ step, row: steps[i], position: i }))
    .filter(({ step, row }) => step.compensate && (row.status === StepStatus.Succeeded || outcomeUnknown(row)))
    .reverse();
  if (toUndo.length > 0) {
    pending.events.push({
      type: JobEventType.JobCompensating,
      step: null,
      message: `Undoing ${toUndo.length} step(s): ${toUndo.map(({ step, row }) => (row.status === StepStatus.Succeeded ? step.name : `${step.name} (outcome unknown)`)).join(', ')}`,
    });
    if (!(await writer.commit(run, pending))) return writer.stopped(run);
    pending = emptyPending();
  }
  for (const { step, row, position } of toUndo) {
    // A run that lost its lease leaves the undoing to the run that took the job over.
    if (run.lost) return LOST;
    const outcome = await compensateStep(
      { job, definition, position, outputs, logs: writer.logBuffer(run, step.name) },
      row.status === StepStatus.Succeeded ? row.output : null,
    );
    if (run.lost) return LOST;
    if (outcome.ok) {
      // A failed or cancelled step keeps its status: it tells how the job ended (and where a resumed run is).
      const unknown = row.status !== StepStatus.Succeeded;
      if (!unknown) row.status = StepStatus.Compensated;
      await writer.commit(run, {
        job: {},
        steps: unknown ? [] : [{ position, status: StepStatus.Compensated }],
        events: [
          ...outcome.logs,
          {
            type: JobEventType.StepCompensated,
            step: step.name,
            message: unknown
              ? 'Compensated (its outcome was unknown: whatever it did is undone)'
              : 'Compensated (undone)',
          },
        ],
      });
    } else {
      await writer.commit(run, {
        job: {},
        steps: [],
        events: [
          ...outcome.logs,
          {
            type: JobEventType.StepCompensationFailed,
            step: step.name,
            message: `Compensation failed: ${describeError(outcome.error).message}`,
          },
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
  if (!(await writer.commit(run, pending, job))) return writer.stopped(run);
  return cancelled ? { kind: 'finished', status } : { kind: 'failed', error };
}

/** A step that stopped without a known outcome: cancelled or timed out mid-way, or failed with a transient error. */
function outcomeUnknown(row: StepRow): boolean {
  if (row.status === StepStatus.Cancelled) return true;
  return row.status === StepStatus.Failed && row.errorCode !== null && !isPermanentCode(row.errorCode);
}
