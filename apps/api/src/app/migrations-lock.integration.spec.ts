import { DataSource } from 'typeorm';
import { createPostgresTestDatabase, waitFor } from '@tomo/testing';
import { MIGRATIONS, MIGRATIONS_LOCK_KEY, runPendingMigrations } from '@tomo/database';

/** Two API replicas starting at once on one Postgres database: the second waits for the first. */
describe('runPendingMigrations on Postgres', () => {
  let database: { url: string; drop(): Promise<void> };
  const sources: DataSource[] = [];
  const connect = async () => {
    const source = new DataSource({
      type: 'postgres',
      url: database.url,
      migrations: MIGRATIONS,
      migrationsTableName: 'migrations',
    });
    sources.push(source);
    return source.initialize();
  };

  beforeAll(async () => {
    database = await createPostgresTestDatabase();
  });

  afterAll(async () => {
    for (const source of sources) if (source.isInitialized) await source.destroy();
    await database?.drop();
  });

  it('waits while another process holds the migration lock, then migrates; the next one finds nothing to do', async () => {
    const other = await connect();
    // Another replica in the middle of migrating (a session lock: one connection locks and unlocks).
    const session = other.createQueryRunner();
    await session.connect();
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK_KEY]);
    const replica = await connect();
    const migrating = runPendingMigrations(replica);

    const waiting = () =>
      other.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1`,
        [MIGRATIONS_LOCK_KEY],
      );
    await waitFor(async () => (await waiting())[0].n === 1, 'the replica to wait for the migration lock');
    expect((await other.query(`SELECT to_regclass('migrations') AS t`))[0].t).toBeNull();

    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK_KEY]);
    await session.release();
    expect((await migrating).map((m) => m.name)).toHaveLength(MIGRATIONS.length);
    expect(await runPendingMigrations(await connect())).toEqual([]);
    // The lock was given back: nobody holds it now.
    expect(
      (
        await other.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`, [
          MIGRATIONS_LOCK_KEY,
        ])
      )[0].n,
    ).toBe(0);
  });
});
