import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { ServerAuthType, ServerMetricsStore, ServersService, ServerStatus } from '@tomo/servers';
import { SettingsService } from '@tomo/settings';
import { NotificationEvent } from '@tomo/shared';
import { createWorkflowTestEnv, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { NotificationEntity } from './entities';
import { ServerNotificationsModule } from './server-status-notifier';

describe('server status and disk notifications (real database and Redis)', () => {
  let env: WorkflowTestEnv;
  let app: INestApplicationContext;

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    @Module({
      imports: [
        TomoConfigModule.forRoot(env.config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('server-notifications-test'),
        SecretsModule,
        ServerNotificationsModule,
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

  it('raises SERVER_OFFLINE, SERVER_ONLINE (only back from OFFLINE) and HOST_KEY_MISMATCH once per change', async () => {
    const servers = app.get(ServersService);
    const notifications = app.get<Repository<NotificationEntity>>(getRepositoryToken(NotificationEntity));
    const { server } = await servers.add(
      {
        name: 'nas',
        host: '127.0.0.1',
        port: 1,
        username: 'tomo',
        authType: ServerAuthType.Password,
        password: 'not used here',
      },
      'test',
    );
    const events = async () =>
      (await notifications.find({ order: { createdAt: 'ASC' } })).map((n) => `${n.event} ${n.message}`);

    await servers.recordStatus(server.id, { status: ServerStatus.Online });
    await servers.recordStatus(server.id, {
      status: ServerStatus.Offline,
      statusMessage: 'connect ECONNREFUSED',
    });
    await waitFor(async () => (await events()).length === 1, 'SERVER_OFFLINE');
    await servers.recordStatus(server.id, {
      status: ServerStatus.Offline,
      statusMessage: 'still down',
    });
    await servers.recordStatus(server.id, { status: ServerStatus.Online });
    await waitFor(async () => (await events()).length === 2, 'SERVER_ONLINE');
    await servers.recordHostKeyMismatch(server.id, 'SHA256:other', 'Host key mismatch');
    await waitFor(async () => (await events()).length === 3, 'HOST_KEY_MISMATCH');
    expect(await events()).toEqual([
      'SERVER_OFFLINE Server nas is offline: connect ECONNREFUSED',
      'SERVER_ONLINE Server nas is back online',
      expect.stringMatching(/^HOST_KEY_MISMATCH Server nas presented another host key/),
    ]);
    const stored = await notifications.find({ order: { createdAt: 'ASC' } });
    expect(stored.map((n) => [n.serverId, n.minRole])).toEqual([
      [server.id, 'VIEWER'],
      [server.id, 'VIEWER'],
      [server.id, 'ADMIN'],
    ]);
  });

  it('raises DISK_LOW for a sample above the diskLowPercent setting, read at each sample, once a day', async () => {
    const { server } = await app.get(ServersService).add(
      {
        name: 'files',
        host: '127.0.0.1',
        port: 1,
        username: 'tomo',
        authType: ServerAuthType.Password,
        password: 'not used here',
      },
      'test',
    );
    const notifications = app.get<Repository<NotificationEntity>>(getRepositoryToken(NotificationEntity));
    let at = Date.now();
    // addSample awaits its listeners: the check is done when it returns.
    const sample = (usedPercent: number) =>
      app.get(ServerMetricsStore).addSample(
        server.id,
        new Date((at += 60_000)),
        {
          cpuPercent: 1,
          memoryUsedBytes: null,
          memoryTotalBytes: null,
          diskUsedBytes: usedPercent * 1_000,
          diskTotalBytes: 100_000,
          load1: null,
          load5: null,
          load15: null,
          containersRunning: null,
          containersTotal: null,
        },
        null,
      );
    const diskLow = async () =>
      (
        await notifications.findBy({
          event: NotificationEvent.DiskLow,
          serverId: server.id,
        })
      ).map((n) => [n.message, n.details]);

    await sample(85); // below the default, DISK_LOW_PERCENT (90)
    expect(await diskLow()).toEqual([]);
    await app.get(SettingsService).update({ diskLowPercent: 80 }, 'test');
    await sample(85);
    expect(await diskLow()).toEqual([
      ['Server files: disk 85% used (above 80%)', { serverName: 'files', usedPercent: '85', thresholdPercent: '80' }],
    ]);
    await sample(97); // still low: no repeat within a day
    expect(await diskLow()).toHaveLength(1);
  });
});
