export { dataSourceOptions } from './lib/data-source-options';
export { DatabaseBackup } from './lib/database-backup';
export { DatabaseModule } from './lib/database.module';
export { MIGRATIONS_LOCK_KEY, runPendingMigrations } from './lib/run-migrations';
export { MIGRATIONS } from './migrations';
