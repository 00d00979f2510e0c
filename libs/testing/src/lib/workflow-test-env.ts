import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadWorkerConfig, type WorkerConfig } from '@tomo/config';
import { dataSourceOptions } from '@tomo/database';
import { deleteRedisKeys, randomRedisPrefix, TEST_REDIS_URL } from './test-api';

export interface WorkflowTestEnv {
  /** Worker config on the temp SQLite file and the test's own Redis prefix. */
  config: WorkerConfig;
  /** The same settings as environment variables, for worker child processes. */
  env: Record<string, string>;
  /** Deletes the temp DATA_DIR and every Redis key under the prefix. */
  cleanup(): Promise<void>;
}

/**
 * A temp DATA_DIR with a migrated SQLite database and a random Redis prefix, shared by the
 * in-process engine and any worker child processes of one test.
 */
export async function createWorkflowTestEnv(overrides: Record<string, string> = {}): Promise<WorkflowTestEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-workflows-'));
  const postgres = process.env['TOMO_TEST_DATABASE'] === 'postgres' ? await createPostgresTestDatabase() : null;
  const env: Record<string, string> = {
    ...(postgres && { DATABASE_URL: postgres.url }),
    DATA_DIR: dataDir,
    REDIS_URL: TEST_REDIS_URL,
    TOMO_REDIS_PREFIX: randomRedisPrefix('wf'),
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    WORKER_CONCURRENCY: '4',
    JOB_STALL_TIMEOUT_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '10000',
    ...overrides,
  };
  const config = loadWorkerConfig(env, false);
  const dataSource = new DataSource(dataSourceOptions(config.database));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  return {
    config,
    env,
    cleanup: async () => {
      await deleteRedisKeys(config.redisPrefix);
      await postgres?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Postgres server of the test run (tools/scripts/test.mjs sets TOMO_TEST_POSTGRES_URL). */
export const TEST_POSTGRES_URL = process.env['TOMO_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A new, empty Postgres database for one test. Suites that honour TOMO_TEST_DATABASE=postgres
 * (createWorkflowTestEnv) run against it instead of SQLite.
 */
export async function createPostgresTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tomo_test_${randomBytes(6).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: TEST_POSTGRES_URL });
  await admin.initialize();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
