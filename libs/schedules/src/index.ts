export * from './lib/database-backup.workflow';
export * from './lib/prune-jobs.schedule';
export * from './lib/schedule-definition';
export * from './lib/schedule.entity';
export * from './lib/schedules.module';
export * from './lib/schedules.service';
