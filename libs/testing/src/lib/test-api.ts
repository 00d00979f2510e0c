import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { type ApiConfig, loadApiConfig } from '@tomo/config';

/** The Redis the integration tests use (tools/scripts/test.mjs may pass another). */
export const TEST_REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface TestApi {
  app: INestApplication;
  config: ApiConfig;
  /** `http://127.0.0.1:<port>` */
  url: string;
  graphqlUrl: string;
  /** `ws://127.0.0.1:<port>/graphql` */
  wsUrl: string;
  /** Closes the app, deletes its temp DATA_DIR and its Redis keys. */
  close(): Promise<void>;
}

export function randomRedisPrefix(label = 'test'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/**
 * Boots an API module in this process on a free port, with its own temp DATA_DIR (SQLite),
 * its own Redis key prefix, and migrations applied, as main.ts does. `createRoot` is
 * `AppModule.forRoot` (or a module that imports it and adds test-only resolvers).
 */
export async function startTestApi(
  createRoot: (config: ApiConfig) => DynamicModule,
  env: Record<string, string> = {},
): Promise<TestApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-api-'));
  const config = loadApiConfig(
    {
      DATA_DIR: dataDir,
      REDIS_URL: TEST_REDIS_URL,
      TOMO_REDIS_PREFIX: randomRedisPrefix(),
      LOG_LEVEL: 'silent',
      WEB_DIST_DIR: join(dataDir, 'no-console'),
      ...env,
    },
    false,
  );
  const app = await NestFactory.create(createRoot(config), { logger: false });
  await app.get(DataSource).runMigrations({ transaction: 'each' });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    close: async () => {
      await app.close();
      await deleteRedisKeys(config.redisPrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every key under `<prefix>:`. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
