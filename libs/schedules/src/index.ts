export { BACKUP_DATABASE_SCHEDULE, MaintenanceWorkflowsModule } from './lib/database-backup.workflow';
export { PRUNE_JOBS_SCHEDULE } from './lib/prune-jobs.schedule';
export { defineSchedule, type ScheduleDefinition } from './lib/schedule-definition';
export { SchedulesModule, SchedulesWorkerModule } from './lib/schedules.module';
export { SchedulesService, type ScheduleView } from './lib/schedules.service';
