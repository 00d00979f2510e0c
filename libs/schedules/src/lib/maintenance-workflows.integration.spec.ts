import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import Database from 'better-sqlite3';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { AuditLogEntity } from '@tomo/identity';
import { JobKind, JobStatus } from '@tomo/shared';
import {
  createWorkflowTestEnv,
  waitFor,
  type WorkflowTestEnv,
} from '@tomo/testing';
import { JobsService, WorkflowWorkerModule } from '@tomo/workflows';
import {
  BACKUP_DATABASE_SCHEDULE,
  MaintenanceWorkflowsModule,
} from './database-backup.workflow';
import { PLATFORM_SCHEDULES } from './platform-schedules';
import { PRUNE_AUDIT_LOG_SCHEDULE } from './prune-audit-log.workflow';

describe('maintenance workflows: database backup, audit retention (real engine, real SQLite file)', () => {
  let env: WorkflowTestEnv;
  let app: INestApplicationContext;

  beforeAll(async () => {
    env = await createWorkflowTestEnv({
      BACKUPS_TO_KEEP: '2',
      AUDIT_RETENTION_DAYS: '30',
    });
    @Module({
      imports: [
        TomoConfigModule.forRoot(env.config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('backup-schedule-test'),
        MaintenanceWorkflowsModule,
        WorkflowWorkerModule.forRoot({
          kinds: [
            JobKind.SystemPing,
            JobKind.MaintenancePruneJobs,
            JobKind.MaintenanceBackupDatabase,
            JobKind.MaintenancePruneAuditLog,
          ],
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

  const runSchedule = async (
    schedule:
      | typeof BACKUP_DATABASE_SCHEDULE
      | typeof PRUNE_AUDIT_LOG_SCHEDULE = BACKUP_DATABASE_SCHEDULE,
  ) => {
    const jobs = app.get(JobsService);
    const job = await jobs.create(schedule.kind, schedule.input(), {
      requestedBy: `schedule:${schedule.name}`,
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

  it('is a platform schedule, backs up to DATA_DIR/backups and keeps the newest BACKUPS_TO_KEEP scheduled backups', async () => {
    expect(PLATFORM_SCHEDULES.map((s) => s.name)).toContain('backup-database');
    const dir = join(env.config.dataDir, 'backups');
    const paths: string[] = [];
    for (let i = 0; i < 3; i++)
      paths.push(String((await runSchedule()).result?.['path']));
    // Files named otherwise (a restore's safety copy, one made by hand) are never deleted.
    writeFileSync(join(dir, 'before-restore-20260101-000000.sqlite'), '');
    writeFileSync(join(dir, 'mine.sqlite'), '');
    const fourth = await runSchedule();
    paths.push(String(fourth.result?.['path']));
    expect(fourth.result).toMatchObject({ kept: 2 });

    const scheduled = readdirSync(dir)
      .filter((name) => name.startsWith('tomo-'))
      .sort();
    expect(scheduled).toEqual(
      [paths[2], paths[3]].map((p) => p.slice(dir.length + 1)).sort(),
    );
    expect(existsSync(join(dir, 'before-restore-20260101-000000.sqlite'))).toBe(
      true,
    );
    expect(existsSync(join(dir, 'mine.sqlite'))).toBe(true);
    // The newest backup is a readable database with the schema in it.
    const copy = new Database(paths[3], { readonly: true });
    expect(
      copy.prepare('SELECT count(*) AS n FROM migrations').get(),
    ).toMatchObject({ n: expect.any(Number) });
    copy.close();
  });

  it('deletes audit entries older than AUDIT_RETENTION_DAYS and keeps the rest', async () => {
    expect(PLATFORM_SCHEDULES.map((s) => s.name)).toContain('prune-audit-log');
    const audit = app.get<Repository<AuditLogEntity>>(
      getRepositoryToken(AuditLogEntity),
    );
    const entry = (daysAgo: number, action: string) =>
      audit.create({
        at: new Date(Date.now() - daysAgo * 86_400_000),
        actorType: 'system',
        actorId: null,
        actorName: null,
        action,
        targetType: null,
        targetId: null,
        outcome: 'SUCCESS',
      });
    await audit.save([
      entry(45, 'old'),
      entry(31, 'older than 30 days'),
      entry(29, 'recent'),
      entry(0, 'today'),
    ]);
    const done = await runSchedule(PRUNE_AUDIT_LOG_SCHEDULE);
    expect(done.result).toMatchObject({ deleted: 2 });
    expect(
      (await audit.find({ order: { at: 'ASC' } })).map((e) => e.action),
    ).toEqual(['recent', 'today']);
  });
});
