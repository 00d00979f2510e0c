export * from './job.entity';
export * from './job-event.entity';
export * from './job-step.entity';
