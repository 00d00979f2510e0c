import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Database from 'better-sqlite3';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { SettingsService } from '@tomo/settings';
import { JobKind, JobStatus } from '@tomo/shared';
import { createWorkflowTestEnv, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { JobsService, WorkflowWorkerModule } from '@tomo/workflows';
import { BACKUP_DATABASE_SCHEDULE, MaintenanceWorkflowsModule } from './database-backup.workflow';

describe('maintenance workflows: database backup (real engine, real SQLite file)', () => {
  let env: WorkflowTestEnv;
  let app: INestApplicationContext;

  beforeAll(async () => {
    env = await createWorkflowTestEnv({ BACKUPS_TO_KEEP: '2' });
    @Module({
      imports: [
        TomoConfigModule.forRoot(env.config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('backup-schedule-test'),
        MaintenanceWorkflowsModule,
        WorkflowWorkerModule.forRoot({
          kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs, JobKind.MaintenanceBackupDatabase],
          schedulePruning: false,
        }),
      ],
    })
    class TestRoot {}
    app = await NestFactory.createApplicationContext(TestRoot, {
      logger: ['error'],
    });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const runSchedule = async () => {
    const jobs = app.get(JobsService);
    const job = await jobs.create(BACKUP_DATABASE_SCHEDULE.kind, BACKUP_DATABASE_SCHEDULE.input(), {
      requestedBy: `schedule:${BACKUP_DATABASE_SCHEDULE.name}`,
    });
    const done = await waitFor(
      async () => {
        const current = await jobs.get(job.id);
        return current.finishedAt !== null && current;
      },
      'the backup job',
      30_000,
    );
    expect(done.status).toBe(JobStatus.Succeeded);
    return done;
  };

  it('backs up to DATA_DIR/backups and keeps the newest backupsToKeep (default BACKUPS_TO_KEEP) scheduled backups', async () => {
    const dir = join(env.config.dataDir, 'backups');
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) paths.push(String((await runSchedule()).result?.['path']));
    // Files named otherwise (a restore's safety copy, one made by hand) are never deleted.
    writeFileSync(join(dir, 'before-restore-20260101-000000.sqlite'), '');
    writeFileSync(join(dir, 'mine.sqlite'), '');
    const fourth = await runSchedule();
    paths.push(String(fourth.result?.['path']));
    expect(fourth.result).toMatchObject({ kept: 2 });

    const scheduled = readdirSync(dir)
      .filter((name) => name.startsWith('tomo-'))
      .sort();
    expect(scheduled).toEqual([paths[2], paths[3]].map((p) => p.slice(dir.length + 1)).sort());
    expect(existsSync(join(dir, 'before-restore-20260101-000000.sqlite'))).toBe(true);
    expect(existsSync(join(dir, 'mine.sqlite'))).toBe(true);
    // The newest backup is a readable database with the schema in it.
    const copy = new Database(paths[3], { readonly: true });
    expect(copy.prepare('SELECT count(*) AS n FROM migrations').get()).toMatchObject({ n: expect.any(Number) });
    copy.close();
  });

  it('keeps as many as the backupsToKeep setting says from the next run on', async () => {
    await app.get(SettingsService).update({ backupsToKeep: 1 }, 'test');
    const dir = join(env.config.dataDir, 'backups');
    const newest = String((await runSchedule()).result?.['path']);
    // (The -wal/-shm files are those of the first test's read-only look at a backup.)
    expect(readdirSync(dir).filter((name) => /^tomo-.*\.sqlite$/.test(name))).toEqual([newest.slice(dir.length + 1)]);
  });
});
