import { JobKind } from '@tomo/shared';
import { defineSchedule } from './schedule-definition';

/** The engine's own pruning of finished jobs (its workflow is built into libs/workflows). */
export const PRUNE_JOBS_SCHEDULE = defineSchedule({
  name: 'prune-jobs',
  kind: JobKind.MaintenancePruneJobs,
  everySeconds: 24 * 60 * 60,
  description: 'Deletes finished jobs older than the retention period.',
  // The retention is read when the run starts: the jobRetentionDays setting.
  input: () => ({}),
});
