import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobEntity, WorkflowRegistry, WorkflowsModule } from '@tomo/workflows';
import { NOTIFICATION_ENTITIES } from './entities';
import { JobFailureNotifier } from './job-failure-notifier';
import { notificationDeliveryWorkflow } from './notification-delivery.workflow';
import { NotificationStream } from './notification-stream';
import { NotificationsService } from './notifications.service';

/** Registers the delivery workflow and the failed-job observer (the observer only hears anything in a worker). */
@Injectable()
class NotificationWorkflows implements OnModuleInit {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly notifications: NotificationsService,
    private readonly failures: JobFailureNotifier,
  ) {}

  onModuleInit(): void {
    this.registry.register(notificationDeliveryWorkflow(this.notifications));
    this.registry.observe(this.failures);
  }
}

/**
 * Notifications for every process (API and worker): channels, events, in-app stream, delivery.
 * Needs the database, Redis, the workflow engine and SecretsModule.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([...NOTIFICATION_ENTITIES, JobEntity]),
    WorkflowsModule,
  ],
  providers: [
    NotificationsService,
    NotificationStream,
    JobFailureNotifier,
    NotificationWorkflows,
  ],
  exports: [NotificationsService],
})
export class NotificationsModule {}
