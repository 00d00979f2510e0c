import { type DynamicModule, Module } from '@nestjs/common';
import { TomoConfigModule, type WorkerConfig } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { MarketplaceModule } from '@tomo/marketplace';
import { NotificationsModule } from '@tomo/notifications';
import { RedisModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { ServerShellModule } from '@tomo/server-shell';
import { ServersModule } from '@tomo/servers';
import { JobKind } from '@tomo/shared';
import { WorkflowsModule, WorkflowWorkerModule } from '@tomo/workflows';
import { DeploymentNotificationsModule } from '../lib/deployment-notifier';
import { DeploymentsModule } from '../lib/deployments.module';

/** The job kinds a deployments test worker runs (servers + deployments + notification delivery; no marketplace, no schedules). */
export const DEPLOYMENT_TEST_KINDS: readonly string[] = [
  JobKind.SystemPing,
  JobKind.MaintenancePruneJobs,
  JobKind.ServerTestConnection,
  JobKind.MaintenanceCollectServerMetrics,
  JobKind.MaintenancePruneImages,
  JobKind.DeploymentInstall,
  JobKind.DeploymentStart,
  JobKind.DeploymentStop,
  JobKind.DeploymentRestart,
  JobKind.DeploymentUpdate,
  JobKind.DeploymentUninstall,
  JobKind.DeploymentLogs,
  JobKind.MaintenanceReconcileDeployments,
  JobKind.NotificationDeliver,
];

/**
 * Servers, marketplace and deployments on the test's SQLite file and Redis prefix; with
 * `worker: true` also the SSH pool and a workflow worker for the kinds above.
 */
@Module({})
export class DeploymentsTestRootModule {
  static forRoot(config: WorkerConfig, options: { worker: boolean }): DynamicModule {
    return {
      module: DeploymentsTestRootModule,
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot(options.worker ? 'tomo-deployments-test-worker' : 'tomo-deployments-test'),
        SecretsModule,
        MarketplaceModule,
        options.worker ? ServerShellModule : ServersModule,
        DeploymentsModule,
        NotificationsModule,
        ...(options.worker ? [DeploymentNotificationsModule] : []),
        options.worker
          ? WorkflowWorkerModule.forRoot({ kinds: DEPLOYMENT_TEST_KINDS, schedulePruning: false })
          : WorkflowsModule,
      ],
    };
  }
}
