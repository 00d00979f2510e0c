/**
 * Every workflow the platform runs, by its queue job name.
 *
 * These strings are stored in the database and in queued BullMQ jobs: renaming a value
 * orphans jobs that are already queued or recorded under the old name. Add, never rename.
 */
export enum JobKind {
  SystemPing = 'system.ping',
  /** Deletes finished jobs older than the retention setting. */
  MaintenancePruneJobs = 'maintenance.prune-jobs',
  /** Connects to a server, pins/verifies its host key, records its facts and status (libs/servers). */
  ServerTestConnection = 'server.test-connection',
  /** Samples CPU, memory, disk, load and containers of servers; downsamples and prunes (libs/servers). */
  MaintenanceCollectServerMetrics = 'maintenance.collect-server-metrics',
  /** Clones or fetches a marketplace repository and imports its apps (libs/marketplace). */
  MarketplaceSync = 'marketplace.sync',
  /** Installs an app on a server: validate, preflight, pull, volumes, container, health check (libs/deployments). */
  DeploymentInstall = 'deployment.install',
  DeploymentStart = 'deployment.start',
  DeploymentStop = 'deployment.stop',
  DeploymentRestart = 'deployment.restart',
  /** New image or configuration; the old container keeps the app up until the new one is healthy (libs/deployments). */
  DeploymentUpdate = 'deployment.update',
  DeploymentUninstall = 'deployment.uninstall',
  /** Reads a container's last log lines for the API (libs/deployments). */
  DeploymentLogs = 'deployment.logs',
  /** Compares deployments with the labelled containers on their servers (libs/deployments). */
  MaintenanceReconcileDeployments = 'maintenance.reconcile-deployments',
  /** Deletes sign-in sessions that ended (expired or revoked) more than the retention ago (libs/identity). */
  MaintenancePruneSessions = 'maintenance.prune-sessions',
  /** Sends one notification (or a test message) to one channel: webhook or email (libs/notifications). */
  NotificationDeliver = 'notification.deliver',
  /** Backs the database up to DATA_DIR/backups and keeps the newest N scheduled backups (libs/schedules). */
  MaintenanceBackupDatabase = 'maintenance.backup-database',
  /** Removes dangling Docker images on the servers that opted in (`pruneImages`; libs/servers). */
  MaintenancePruneImages = 'maintenance.prune-images',
}
