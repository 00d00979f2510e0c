export * from './lib/column-types';
export * from './lib/data-source-options';
export * from './lib/database-backup';
export * from './lib/database.module';
export * from './lib/run-migrations';
export { MIGRATIONS } from './migrations';
