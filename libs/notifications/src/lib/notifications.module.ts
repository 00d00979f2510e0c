import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DefinesWorkflows, JobEntity, WorkflowRegistry, type WorkflowSource, WorkflowsModule } from '@tomo/workflows';
import { NOTIFICATION_ENTITIES } from './entities';
import { JobFailureNotifier } from './job-failure-notifier';
import { notificationDeliveryWorkflow } from './notification-delivery.workflow';
import { NotificationStream } from './notification-stream';
import { NotificationsService } from './notifications.service';

/** The delivery workflow, and the failed-job observer (which only hears anything in a worker). */
@DefinesWorkflows()
@Injectable()
class NotificationWorkflows implements WorkflowSource, OnModuleInit {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly notifications: NotificationsService,
    private readonly failures: JobFailureNotifier,
  ) {}

  workflows() {
    return [notificationDeliveryWorkflow(this.notifications)];
  }

  onModuleInit(): void {
    this.registry.observe(this.failures);
  }
}

/**
 * Notifications for every process (API and worker): channels, events, in-app stream, delivery.
 * Needs the database, Redis, the workflow engine and SecretsModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([...NOTIFICATION_ENTITIES, JobEntity]), WorkflowsModule],
  providers: [NotificationsService, NotificationStream, JobFailureNotifier, NotificationWorkflows],
  exports: [NotificationsService],
})
export class NotificationsModule {}
