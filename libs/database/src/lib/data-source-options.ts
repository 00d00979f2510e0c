import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { CommonConfig } from '@tomo/config';
import { MIGRATIONS } from '../migrations';

/** How long a SQLite writer waits for another process's write lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Connection options for SQLite (default) or Postgres. Entities are registered by the
 * feature modules (autoLoadEntities); the schema only ever changes through MIGRATIONS.
 */
export function dataSourceOptions(database: CommonConfig['database']): DataSourceOptions {
  const common = {
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
  } as const;
  if (database.type === 'postgres') {
    return { ...common, type: 'postgres', url: database.url };
  }
  mkdirSync(dirname(database.path), { recursive: true });
  // The file holds password hashes and encrypted credentials: only its owner may read it.
  // Created (or tightened) before SQLite opens it; SQLite gives its -wal and -shm files the
  // database file's permissions.
  closeSync(openSync(database.path, 'a', 0o600));
  chmodSync(database.path, 0o600);
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    // API and workers write the same file from separate processes: WAL lets readers run
    // beside the writer, and the busy timeout makes writers queue instead of failing.
    enableWAL: true,
    timeout: SQLITE_BUSY_TIMEOUT_MS,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      // FULL by default: a finished step must survive a machine crash, not only a process crash.
      db.pragma(`synchronous = ${database.synchronous}`);
      db.pragma('foreign_keys = ON');
    },
  };
}
