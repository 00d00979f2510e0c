import { randomUUID } from 'node:crypto';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { SettingsService } from '@tomo/settings';
import { JobKind, JobStatus, Role } from '@tomo/shared';
import { createWorkflowTestEnv, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { JobsService, WorkflowWorkerModule } from '@tomo/workflows';
import { AuditLogEntity, SessionEntity, UserEntity } from '../entities';
import { IdentityWorkflowsModule } from './session-retention';

const DAY = 24 * 60 * 60_000;

describe('maintenance.prune-sessions (real engine, real database)', () => {
  let env: WorkflowTestEnv;
  let app: INestApplicationContext;

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    @Module({
      imports: [
        TomoConfigModule.forRoot(env.config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('session-retention-test'),
        IdentityWorkflowsModule,
        WorkflowWorkerModule.forRoot({
          kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs, JobKind.MaintenancePruneSessions],
          schedulePruning: false,
        }),
      ],
    })
    class TestRoot {}
    app = await NestFactory.createApplicationContext(TestRoot, { logger: ['error'] });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('deletes sessions that expired or were revoked more than the retention ago, and keeps the rest', async () => {
    const users = app.get<Repository<UserEntity>>(getRepositoryToken(UserEntity));
    const sessions = app.get<Repository<SessionEntity>>(getRepositoryToken(SessionEntity));
    const user = users.create({
      id: randomUUID(),
      username: 'ada',
      passwordHash: 'not used here',
      role: Role.Viewer,
      disabled: false,
      setupSlot: null,
      createdAt: new Date(),
      updatedAt: new Date(),
      passwordChangedAt: new Date(),
      lastLoginAt: null,
    });
    await users.insert(user);
    const now = Date.now();
    const session = (label: string, expiresInDays: number, revokedDaysAgo: number | null) =>
      sessions.create({
        id: randomUUID(),
        userId: user.id,
        createdAt: new Date(now - 30 * DAY),
        lastActivityAt: new Date(now - 30 * DAY),
        expiresAt: new Date(now + expiresInDays * DAY),
        ip: null,
        userAgent: label,
        revokedAt: revokedDaysAgo === null ? null : new Date(now - revokedDaysAgo * DAY),
      });
    const rows = [
      session('live', 1, null),
      session('expired yesterday', -1, null),
      session('expired 8 days ago', -8, null),
      session('revoked yesterday', 10, 1),
      session('revoked 8 days ago', 10, 8),
    ];
    await sessions.insert(rows);

    const job = await app.get(JobsService).create(JobKind.MaintenancePruneSessions, {}, { requestedBy: null });
    const done = await waitFor(async () => {
      const row = await app.get(JobsService).get(job.id);
      return (row.status === JobStatus.Succeeded || row.status === JobStatus.Failed) && row;
    }, 'the prune job to finish');
    expect(done.status).toBe(JobStatus.Succeeded);
    expect(done.result).toMatchObject({ deleted: 2, retentionDays: 7 });
    const left = (await sessions.find()).map((s) => s.userAgent).sort();
    expect(left).toEqual(['expired yesterday', 'live', 'revoked yesterday']);
  });

  it('deletes audit entries older than the auditRetentionDays setting, batch after batch', async () => {
    const audit = app.get<Repository<AuditLogEntity>>(getRepositoryToken(AuditLogEntity));
    await app.get(SettingsService).update({ auditRetentionDays: 30 }, 'test');
    const entry = (action: string, daysAgo: number) =>
      audit.create({
        at: new Date(Date.now() - daysAgo * DAY),
        actorType: 'system',
        actorId: null,
        actorName: null,
        action,
        targetType: null,
        targetId: null,
        outcome: 'SUCCESS',
        errorCode: null,
        ip: null,
        details: null,
      });
    // More old entries than one delete batch (500) takes, so the batches must go on until none is left.
    const old = Array.from({ length: 1_201 }, (_, i) => entry('old', 31 + (i % 5)));
    await audit.save([entry('recent', 29), ...old], { chunk: 200 });

    const job = await app.get(JobsService).create(JobKind.MaintenancePruneSessions, {}, { requestedBy: null });
    const done = await waitFor(async () => {
      const row = await app.get(JobsService).get(job.id);
      return (row.status === JobStatus.Succeeded || row.status === JobStatus.Failed) && row;
    }, 'the prune job to finish');
    expect(done.status).toBe(JobStatus.Succeeded);
    const [auditStep] = await app.get(JobsService).steps(job.id);
    expect(auditStep).toMatchObject({
      name: 'delete-old-audit-entries',
      output: { deleted: 1_201, retentionDays: 30 },
    });
    expect((await audit.find()).map((row) => row.action)).toEqual(['recent']);
  });
});
