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
  const env: Record<string, string> = {
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
      rmSync(dataDir, { recursive: true, force: true });
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
