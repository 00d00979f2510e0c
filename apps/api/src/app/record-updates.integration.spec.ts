import { readFileSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig } from '@tomo/config';
import { DeploymentRecords, DeploymentStatus } from '@tomo/deployments';
import { MarketplaceService } from '@tomo/marketplace';
import {
  type GqlError,
  gqlOk,
  readTestbed,
  setupAdmin,
  signInNewUser,
  startTestApi,
  type TestApi,
  type TestbedState,
  waitFor,
  wsClient,
} from '@tomo/testing';
import { AppModule } from './app.module';
import { ServersTestWorkerModule } from './servers/servers.testing';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

interface Watch<T> {
  received: T[];
  errors: GqlError[];
  stop: () => Promise<void>;
}

/**
 * serverUpdated and deploymentUpdated: lists stay live. Changes travel as ids over Redis pub/sub
 * from whichever process made them (here a worker's connection test on the testbed's sshd) to
 * the API, which sends each subscriber the row read after the change.
 */
describe('live server and deployment updates (graphql-ws, Redis pub/sub)', () => {
  let testbed: TestbedState;
  let api: TestApi;
  let worker: INestApplicationContext;
  let admin: string;
  let viewer: string;

  const ok = <T>(query: string, variables: Record<string, unknown>, token = admin) =>
    gqlOk<T>(api, query, variables, token);
  /** Subscribes as `token` and collects every result until stopped. */
  const watch = async <T>(query: string, token: string): Promise<Watch<T>> => {
    const client = wsClient(api.wsUrl, token);
    const watch: Watch<T> = { received: [], errors: [], stop: async () => await client.dispose() };
    await new Promise<void>((resolve, reject) => {
      client.on('connected', () => resolve());
      client.on('error', reject);
      client.subscribe<T>(
        { query },
        {
          next: (result) => {
            if (result.data) watch.received.push(result.data as T);
            if (result.errors) watch.errors.push(...(result.errors as GqlError[]));
          },
          error: (error) =>
            watch.errors.push(...(Array.isArray(error) ? (error as GqlError[]) : [{ message: String(error) }])),
          complete: () => undefined,
        },
      );
    });
    return watch;
  };

  beforeAll(async () => {
    testbed = readTestbed();
    api = await startTestApi(AppModule.forRoot);
    await api.app.get(MarketplaceService).loadBuiltInCatalog();
    const config = loadWorkerConfig(
      {
        DATA_DIR: api.config.dataDir,
        REDIS_URL: api.config.redisUrl,
        TOMO_REDIS_PREFIX: api.config.redisPrefix,
        LOG_LEVEL: 'silent',
      },
      false,
    );
    worker = await NestFactory.createApplicationContext(ServersTestWorkerModule.forRoot(config), {
      logger: ['error'],
      abortOnError: false,
    });
    await worker.init();
    admin = await setupAdmin(api, ADMIN);
    viewer = await signInNewUser(api, admin, {
      username: 'victor',
      password: 'staple rotciv battery horse',
      role: 'VIEWER',
    });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('serverUpdated: a viewer sees a new server turn ONLINE as the worker tests it, then a rename', async () => {
    const updates = await watch<{
      serverUpdated: { id: string; name: string; status: string; dockerVersion: string | null };
    }>('subscription { serverUpdated { id name status dockerVersion } }', viewer);
    try {
      const { addServer } = await ok<{ addServer: { id: string } }>(
        'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
        {
          input: {
            name: 'live-box',
            host: testbed.ssh.host,
            port: testbed.ssh.port,
            username: testbed.ssh.username,
            authType: 'KEY',
            privateKey: readFileSync(testbed.ssh.privateKeyPath, 'utf8'),
          },
        },
      );
      const mine = () => updates.received.map((u) => u.serverUpdated).filter((s) => s.id === addServer.id);
      // The connection test takes a few SSH round trips, long after the subscription is in place.
      await waitFor(() => mine().some((s) => s.status === 'ONLINE'), 'serverUpdated with status ONLINE', 60_000, 50);
      expect(updates.errors).toEqual([]);
      expect(mine().at(-1)).toMatchObject({
        name: 'live-box',
        status: 'ONLINE',
        dockerVersion: expect.stringMatching(/^\d+\.\d+/),
      });

      await ok('mutation($id: ID!, $input: UpdateServerInput!) { updateServer(id: $id, input: $input) { id } }', {
        id: addServer.id,
        input: { name: 'renamed-box' },
      });
      await waitFor(() => mine().some((s) => s.name === 'renamed-box'), 'serverUpdated after a rename', 10_000, 20);
    } finally {
      await updates.stop();
    }
  });

  it('deploymentUpdated: a viewer sees a deployment appear and its status change', async () => {
    const { servers } = await ok<{ servers: { id: string }[] }>('{ servers { id } }', {});
    const updates = await watch<{
      deploymentUpdated: { id: string; appId: string; status: string; server: { id: string } | null };
    }>('subscription { deploymentUpdated { id appId status server { id } } }', viewer);
    try {
      const { installApp } = await ok<{ installApp: { deploymentId: string } }>(
        'mutation($input: InstallAppInput!) { installApp(input: $input) { deploymentId } }',
        { input: { serverId: servers[0].id, appId: 'builtin/uptime-kuma', config: { pullPolicy: 'NEVER' } } },
      );
      const of = (id: string) => updates.received.map((u) => u.deploymentUpdated).filter((d) => d.id === id);

      // What the install workflow records once its container is up (DeploymentRecords.update, as in the worker);
      // repeated until it arrives, since nothing tells when the subscription has reached the API.
      const records = api.app.get(DeploymentRecords);
      await waitFor(
        async () => {
          await records.update(installApp.deploymentId, { status: DeploymentStatus.Running });
          return of(installApp.deploymentId).some((d) => d.status === 'RUNNING');
        },
        'deploymentUpdated with status RUNNING',
        10_000,
        100,
      );
      expect(of(installApp.deploymentId).at(-1)).toMatchObject({
        appId: 'builtin/uptime-kuma',
        server: { id: servers[0].id },
      });

      // A new deployment shows up at once, INSTALLING.
      const second = await ok<{ installApp: { deploymentId: string } }>(
        'mutation($input: InstallAppInput!) { installApp(input: $input) { deploymentId } }',
        { input: { serverId: servers[0].id, appId: 'builtin/whoami', config: { pullPolicy: 'NEVER' } } },
      );
      await waitFor(
        () => of(second.installApp.deploymentId).length > 0,
        'deploymentUpdated for a new deployment',
        10_000,
        20,
      );
      expect(of(second.installApp.deploymentId)[0]).toMatchObject({ appId: 'builtin/whoami', status: 'INSTALLING' });
      expect(updates.errors).toEqual([]);
    } finally {
      await updates.stop();
    }
  });

  it('refuses anonymous subscribers', async () => {
    const client = wsClient(api.wsUrl);
    try {
      const refused = await new Promise<GqlError[]>((resolve) =>
        client.subscribe(
          { query: 'subscription { serverUpdated { id } }' },
          {
            next: (result) => resolve((result.errors ?? []) as GqlError[]),
            error: (error) => resolve(error as GqlError[]),
            complete: () => undefined,
          },
        ),
      );
      expect(refused.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await client.dispose();
    }
  });
});
