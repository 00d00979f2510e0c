import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { loadApiConfig } from '@tomo/config';
import { MIGRATIONS } from '@tomo/database';
import { AppModule } from './app.module';

const postgresUrl = process.env['TOMO_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway database per run: SQLite in a temp dir, or a new Postgres database. */
async function createDatabase(kind: 'sqlite' | 'postgres') {
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-schema-'));
  if (kind === 'sqlite') {
    return { env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `tomo_schema_${randomBytes(6).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: postgresUrl });
  await admin.initialize();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('database schema on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let app: INestApplication;
  let dataSource: DataSource;

  /** SQL TypeORM would run to make the schema match the entities; empty when they agree. */
  const pendingSchemaChanges = async () =>
    (await dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);

  beforeAll(async () => {
    database = await createDatabase(kind);
    const config = loadApiConfig({
      ...database.env,
      REDIS_URL: process.env['REDIS_URL'],
      TOMO_REDIS_PREFIX: `schema-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'silent',
    });
    // Not initialised: bootstrap hooks (schedules) write to tables the migrations create.
    app = await NestFactory.create(AppModule.forRoot(config), { logger: false });
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('applies every migration in order', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((migration) => new migration().name));
  });

  it('leaves a schema that matches the entities exactly', async () => {
    // Guards against a vacuous comparison: the feature modules' entities must be loaded.
    expect(dataSource.entityMetadatas.map((m) => m.tableName)).toEqual(
      expect.arrayContaining(['job', 'job_step', 'job_event']),
    );
    expect(await pendingSchemaChanges()).toEqual([]);
  });

  it('rolls every migration back and applies them again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await dataSource.showMigrations()).toBe(true);
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await pendingSchemaChanges()).toEqual([]);
  });
});
