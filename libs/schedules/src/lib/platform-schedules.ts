import { reconcileDeploymentsSchedule } from '@tomo/deployments';
import { PRUNE_SESSIONS_SCHEDULE } from '@tomo/identity';
import { COLLECT_SERVER_METRICS_SCHEDULE, PRUNE_IMAGES_SCHEDULE } from '@tomo/servers';
import { JobKind } from '@tomo/shared';
import { BACKUP_DATABASE_SCHEDULE } from './database-backup.workflow';
import { defineSchedule, type ScheduleDefinition } from './schedule-definition';

export const pruneJobsSchedule = defineSchedule({
  name: 'prune-jobs',
  kind: JobKind.MaintenancePruneJobs,
  everySeconds: 24 * 60 * 60,
  description: 'Deletes finished jobs older than the retention period.',
  // The retention is read when the run starts: the jobRetentionDays setting.
  input: () => ({}),
});

/** Every schedule of the platform; the API and the worker both pass this list to SchedulesModule. */
export const PLATFORM_SCHEDULES: readonly ScheduleDefinition[] = [
  pruneJobsSchedule,
  defineSchedule(COLLECT_SERVER_METRICS_SCHEDULE),
  defineSchedule(reconcileDeploymentsSchedule),
  defineSchedule(PRUNE_SESSIONS_SCHEDULE),
  BACKUP_DATABASE_SCHEDULE,
  defineSchedule(PRUNE_IMAGES_SCHEDULE),
];
