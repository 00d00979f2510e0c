import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { loadCliConfig, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from './database.module';
import { SAFETY_NET_AUTOCHECKPOINT_PAGES, SqliteCheckpointer } from './sqlite-checkpointer';

const until = async (condition: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('SqliteCheckpointer (real SQLite file, real thread)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tomo-checkpointer-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies committed WAL pages into the database file while the writing connection never checkpoints', async () => {
    const path = join(dir, 'db.sqlite');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)');
    const sizeBefore = statSync(path).size;
    const insert = writer.prepare('INSERT INTO t (pad) VALUES (?)');
    writer.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(1_000));
    })();
    // Without a checkpoint the rows live only in the WAL: the database file has not grown.
    expect(statSync(path).size).toBe(sizeBefore);

    const errors: string[] = [];
    const checkpointer = SqliteCheckpointer.start({
      path,
      intervalMs: 20,
      busyTimeoutMs: 1_000,
      onError: (m) => errors.push(m),
    });
    try {
      await until(() => statSync(path).size > 2_000_000, 10_000);
    } finally {
      await checkpointer.stop();
    }
    expect(errors).toEqual([]);
    expect(writer.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 2_000 });
    // Every frame is in the database file now: a checkpoint by the writer finds nothing left to copy.
    const [result] = writer.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    expect(result.log).toBe(result.checkpointed);
    writer.close();
  });

  it('reports a database it cannot open and still stops cleanly', async () => {
    const errors: string[] = [];
    const checkpointer = SqliteCheckpointer.start({
      path: join(dir, 'missing-directory', 'db.sqlite'),
      intervalMs: 20,
      busyTimeoutMs: 1_000,
      onError: (m) => errors.push(m),
    });
    await until(() => errors.length > 0, 10_000);
    expect(errors[0]).toMatch(/directory does not exist|unable to open/i);
    await checkpointer.stop();
  });

  it('runs while a DatabaseModule app on SQLite runs, and the app connection no longer checkpoints at 1000 pages', async () => {
    const config = loadCliConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const app = await NestFactory.createApplicationContext(
      { module: class TestRoot {}, imports: [TomoConfigModule.forRoot(config), DatabaseModule.forRoot()] },
      { logger: false },
    );
    await app.init();
    const dataSource = app.get(DataSource);
    const path = config.database.type === 'sqlite' ? config.database.path : '';
    try {
      expect(await dataSource.query('PRAGMA wal_autocheckpoint')).toEqual([
        { wal_autocheckpoint: SAFETY_NET_AUTOCHECKPOINT_PAGES },
      ]);
      await dataSource.query('CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)');
      const sizeBefore = statSync(path).size;
      await dataSource.transaction(async (manager) => {
        for (let i = 0; i < 2_000; i++) await manager.query('INSERT INTO t (pad) VALUES (?)', ['x'.repeat(1_000)]);
      });
      await until(() => statSync(path).size > sizeBefore + 2_000_000, 10_000);
    } finally {
      await app.close();
    }
  });
});
