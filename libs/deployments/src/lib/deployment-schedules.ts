import { JobKind } from '@tomo/shared';

/**
 * Reconciliation every five minutes, for the schedules module (`libs/schedules`): the same
 * shape as its ScheduleDefinition, without depending on it.
 */
export const reconcileDeploymentsSchedule = {
  name: 'reconcile-deployments',
  kind: JobKind.MaintenanceReconcileDeployments,
  everySeconds: 300,
  description:
    'Compares deployments with the containers on their servers (RUNNING, STOPPED, MISSING, UNHEALTHY) and reports unknown ones.',
  input: (): Record<string, never> => ({}),
} as const;
