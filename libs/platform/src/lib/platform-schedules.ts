import { reconcileDeploymentsSchedule } from '@tomo/deployments';
import { PRUNE_SESSIONS_SCHEDULE } from '@tomo/identity';
import {
  BACKUP_DATABASE_SCHEDULE,
  defineSchedule,
  PRUNE_JOBS_SCHEDULE,
  type ScheduleDefinition,
} from '@tomo/schedules';
import { COLLECT_SERVER_METRICS_SCHEDULE, PRUNE_IMAGES_SCHEDULE } from '@tomo/servers';

/**
 * Every schedule of the platform, assembled from the features (libs/schedules knows none of
 * them). The API lists, pauses and runs them; the worker ticks them.
 */
export const PLATFORM_SCHEDULES: readonly ScheduleDefinition[] = [
  PRUNE_JOBS_SCHEDULE,
  defineSchedule(COLLECT_SERVER_METRICS_SCHEDULE),
  defineSchedule(reconcileDeploymentsSchedule),
  defineSchedule(PRUNE_SESSIONS_SCHEDULE),
  BACKUP_DATABASE_SCHEDULE,
  defineSchedule(PRUNE_IMAGES_SCHEDULE),
];
