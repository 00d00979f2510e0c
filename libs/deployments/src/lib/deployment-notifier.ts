import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { NotificationsModule, NotificationsService } from '@tomo/notifications';
import { JobKind, JobStatus, NotificationEvent, StepStatus } from '@tomo/shared';
import {
  type JobFinished,
  JobsService,
  JobStore,
  type WorkflowObserver,
  WorkflowRegistry,
  WorkflowsModule,
} from '@tomo/workflows';
import { DeploymentRecords } from './deployment-records';
import type { ReconcileResult } from './deployment-reconciler';
import { DeploymentsModule } from './deployments.module';

/**
 * UPDATE_ROLLED_BACK (a `deployment.update` that ended FAILED or CANCELLED after undoing what it
 * did: some step COMPENSATED) and APP_CRASHED (the `crashed` list of a reconciliation, which
 * names a deployment once, when its record turns from RUNNING to STOPPED). A worker observer
 * like JobFailureNotifier: it hears of each job once, right after its final status is stored.
 */
@Injectable()
export class DeploymentNotifier implements WorkflowObserver, OnModuleInit {
  private readonly logger = new Logger(DeploymentNotifier.name);

  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly notifications: NotificationsService,
    private readonly store: JobStore,
    private readonly jobs: JobsService,
    private readonly records: DeploymentRecords,
  ) {}

  onModuleInit(): void {
    this.registry.observe(this);
  }

  jobFinished(event: JobFinished): void {
    const notify =
      event.kind === JobKind.DeploymentUpdate &&
      (event.status === JobStatus.Failed || event.status === JobStatus.Cancelled)
        ? this.notifyRollback(event)
        : event.kind === JobKind.MaintenanceReconcileDeployments && event.status === JobStatus.Succeeded
          ? this.notifyCrashes(event)
          : null;
    notify?.catch((error: unknown) => this.logger.warn(`Could not notify about job ${event.jobId}: ${String(error)}`));
  }

  private async notifyRollback(event: JobFinished): Promise<void> {
    const steps = await this.store.loadSteps(event.jobId);
    // Failed before it changed anything (validation, pull): nothing was rolled back, JOB_FAILED says enough.
    if (!steps.some((s) => s.status === StepStatus.Compensated) || !event.deploymentId) return;
    const row = await this.records.find(event.deploymentId);
    const name = row?.containerName ?? event.deploymentId;
    const why =
      event.status === JobStatus.Cancelled ? 'the update was cancelled' : (event.error?.message ?? 'unknown error');
    await this.notifications.emit(NotificationEvent.UpdateRolledBack, {
      message: `Update of ${name} rolled back${row ? `; it stays on ${row.image}` : ''}: ${why}`,
      jobId: event.jobId,
      serverId: event.serverId ?? row?.serverId ?? null,
      deploymentId: event.deploymentId,
      details: {
        containerName: name,
        ...(row && { appId: row.appId, image: row.image }),
      },
    });
  }

  private async notifyCrashes(event: JobFinished): Promise<void> {
    const result = (await this.jobs.find(event.jobId))?.result as Partial<ReconcileResult> | null | undefined;
    for (const crash of result?.crashed ?? []) {
      await this.notifications.emit(NotificationEvent.AppCrashed, {
        message:
          crash.state === 'restarting'
            ? `App ${crash.appId} (${crash.containerName}) keeps restarting`
            : `App ${crash.appId} (${crash.containerName}) stopped: its container is ${crash.state}`,
        jobId: event.jobId,
        serverId: crash.serverId,
        deploymentId: crash.deploymentId,
        details: {
          containerName: crash.containerName,
          appId: crash.appId,
          state: crash.state,
        },
      });
    }
  }
}

/** Deployment notifications; imported by the worker, where update and reconciliation jobs run. */
@Module({
  imports: [DeploymentsModule, NotificationsModule, WorkflowsModule],
  providers: [DeploymentNotifier],
})
export class DeploymentNotificationsModule {}
