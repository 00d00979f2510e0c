// What other libraries and the apps may use of deployments; the rest is its own.
export { type DeploymentConfig, PullPolicy } from './lib/deployment-config';
export { type ContainerLogsJobInput, type DeploymentJobInput, type UninstallJobInput } from './lib/deployment-jobs';
export { DeploymentNotificationsModule } from './lib/deployment-notifier';
export { type ReconcileResult } from './lib/deployment-reconciler';
export { DeploymentRecords } from './lib/deployment-records';
export { reconcileDeploymentsSchedule } from './lib/deployment-schedules';
export { DeploymentsModule } from './lib/deployments.module';
export { DeploymentsService } from './lib/deployments.service';
export { DeploymentEntity, DeploymentStatus } from './lib/entities';
