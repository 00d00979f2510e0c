import type { DataSource, Migration } from 'typeorm';

/** The Postgres advisory lock key that every Tomo process takes to migrate ("tomo" in ASCII). */
export const MIGRATIONS_LOCK_KEY = 0x746f6d6f;

/**
 * Applies pending migrations, each in its own transaction; returns them. On Postgres, API
 * replicas that start at once take turns on a session advisory lock (held on a connection of
 * its own while TypeORM migrates on another), so the later ones find the schema up to date
 * instead of failing on a CREATE TABLE the first one ran. TypeORM itself takes no lock.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (dataSource.options.type !== 'postgres') return dataSource.runMigrations({ transaction: 'each' });
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK_KEY]);
    }
  } finally {
    await lock.release();
  }
}
