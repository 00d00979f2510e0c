import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { JobKind, JobStatus, NotificationEvent, StepStatus } from '@tomo/shared';
import { JobEntity, type JobFinished, JobStore, type WorkflowObserver } from '@tomo/workflows';
import { NotificationsService } from './notifications.service';

/** A schedule whose runs failed this many times in a row raises SCHEDULE_FAILING (once per streak). */
export const SCHEDULE_FAILURE_STREAK = 3;

/**
 * Turns failed jobs into JOB_FAILED (naming the step) and, for schedule runs, SCHEDULE_FAILING.
 * A worker observer: it hears of each job once, right after its final status is stored.
 * Delivery jobs are left out, or a broken channel would notify about itself forever.
 */
@Injectable()
export class JobFailureNotifier implements WorkflowObserver {
  private readonly logger = new Logger(JobFailureNotifier.name);

  constructor(
    private readonly notifications: NotificationsService,
    private readonly store: JobStore,
    @InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>,
  ) {}

  jobFinished(event: JobFinished): void {
    if (event.status !== JobStatus.Failed || event.kind === JobKind.NotificationDeliver) return;
    this.notifyFailure(event).catch((error: unknown) =>
      this.logger.warn(`Could not notify the failure of job ${event.jobId}: ${String(error)}`),
    );
  }

  private async notifyFailure(event: JobFinished): Promise<void> {
    const steps = await this.store.loadSteps(event.jobId);
    const step = steps.find((s) => s.status === StepStatus.Failed)?.name;
    const why = event.error?.message ?? 'unknown error';
    await this.notifications.emit(NotificationEvent.JobFailed, {
      message: step ? `Job ${event.kind} failed at step "${step}": ${why}` : `Job ${event.kind} failed: ${why}`,
      jobId: event.jobId,
      serverId: event.serverId,
      deploymentId: event.deploymentId,
      details: { jobKind: event.kind, ...(step && { step }) },
    });
    const job = await this.jobs.findOneBy({ id: event.jobId });
    const schedule = job?.requestedBy?.startsWith('schedule:') ? job.requestedBy.slice('schedule:'.length) : null;
    if (!schedule) return;
    const recent = await this.jobs.find({
      select: { id: true, status: true },
      where: { requestedBy: `schedule:${schedule}` },
      order: { createdAt: 'DESC' },
      take: SCHEDULE_FAILURE_STREAK + 1,
    });
    const streak = recent.findIndex((run) => run.status !== JobStatus.Failed);
    // Exactly at the threshold: a streak that goes on does not notify again.
    if ((streak === -1 ? recent.length : streak) !== SCHEDULE_FAILURE_STREAK) return;
    await this.notifications.emit(NotificationEvent.ScheduleFailing, {
      message: `Schedule "${schedule}" failed ${SCHEDULE_FAILURE_STREAK} times in a row (last: ${why})`,
      jobId: event.jobId,
      details: { jobKind: event.kind, schedule },
    });
  }
}
