import { JobKind } from './job-kind';
import { Role } from './role';

/**
 * The least role that may start a job of each kind: the role of the operation that starts it
 * (for maintenance kinds, `runSchedule`). Retrying a job starts it again, so `retryJob` asks
 * for the same role. A new kind must be added here (the Record makes the compiler ask).
 */
export const JOB_KIND_ROLE: Record<JobKind, Role> = {
  [JobKind.SystemPing]: Role.Operator,
  [JobKind.MaintenancePruneJobs]: Role.Operator,
  [JobKind.ServerTestConnection]: Role.Operator,
  [JobKind.MaintenanceCollectServerMetrics]: Role.Operator,
  [JobKind.MarketplaceSync]: Role.Admin,
  [JobKind.DeploymentInstall]: Role.Operator,
  [JobKind.DeploymentStart]: Role.Operator,
  [JobKind.DeploymentStop]: Role.Operator,
  [JobKind.DeploymentRestart]: Role.Operator,
  [JobKind.DeploymentUpdate]: Role.Operator,
  [JobKind.DeploymentUninstall]: Role.Operator,
  [JobKind.DeploymentLogs]: Role.Viewer,
  [JobKind.MaintenanceReconcileDeployments]: Role.Operator,
  [JobKind.MaintenancePruneSessions]: Role.Operator,
  [JobKind.MaintenanceBackupDatabase]: Role.Operator,
  [JobKind.MaintenancePruneImages]: Role.Operator,
  // Deliveries carry a channel's configuration: only those who manage channels (ADMIN) send them again.
  [JobKind.NotificationDeliver]: Role.Admin,
};

/** The role a job kind needs; kinds this table does not know (tests, removed kinds) need ADMIN. */
export function roleToStart(kind: string): Role {
  return (JOB_KIND_ROLE as Record<string, Role | undefined>)[kind] ?? Role.Admin;
}
