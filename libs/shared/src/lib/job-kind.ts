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
}

/** Queue names. Renaming one strands every job waiting in the old queue. */
export enum QueueName {
  Workflows = 'tomo-workflows',
}
