import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { ServerAuthType, ServersService, ServerStatus } from '@tomo/servers';
import {
  createWorkflowTestEnv,
  waitFor,
  type WorkflowTestEnv,
} from '@tomo/testing';
import { NotificationEntity } from './entities';
import { ServerNotificationsModule } from './server-status-notifier';

describe('server status notifications (real database and Redis)', () => {
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
    const notifications = app.get<Repository<NotificationEntity>>(
      getRepositoryToken(NotificationEntity),
    );
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
      (await notifications.find({ order: { createdAt: 'ASC' } })).map(
        (n) => `${n.event} ${n.message}`,
      );

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
    await servers.recordHostKeyMismatch(
      server.id,
      'SHA256:other',
      'Host key mismatch',
    );
    await waitFor(
      async () => (await events()).length === 3,
      'HOST_KEY_MISMATCH',
    );
    expect(await events()).toEqual([
      'SERVER_OFFLINE Server nas is offline: connect ECONNREFUSED',
      'SERVER_ONLINE Server nas is back online',
      expect.stringMatching(
        /^HOST_KEY_MISMATCH Server nas presented another host key/,
      ),
    ]);
    const stored = await notifications.find({ order: { createdAt: 'ASC' } });
    expect(stored.map((n) => [n.serverId, n.minRole])).toEqual([
      [server.id, 'VIEWER'],
      [server.id, 'VIEWER'],
      [server.id, 'ADMIN'],
    ]);
  });
});
