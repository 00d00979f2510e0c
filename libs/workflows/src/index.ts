export * from './lib/workflows.module';
