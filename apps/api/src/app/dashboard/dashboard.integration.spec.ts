import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DeploymentEntity, DeploymentRecords, DeploymentStatus } from '@tomo/deployments';
import { ServerMetricsStore } from '@tomo/servers';
import { errorCodes, gql, setupAdmin, signInNewUser, startTestApi, type TestApi, waitFor } from '@tomo/testing';
import { AppModule } from '../app.module';
import { engineOnlyWorker } from '../jobs/engine-worker.testing';

const DASHBOARD = `{
  dashboard {
    serverCount serversByStatus { status count }
    servers { server { id name status } latest { cpuPercent memoryUsedBytes containersRunning } }
    deploymentCount deploymentsByStatus { status count }
    jobs { queued running waiting succeededLast24h failedLast24h cancelledLast24h }
    activeJobs { id kind status }
    recentJobs { id kind status }
    at
  }
}`;

interface DashboardView {
  serverCount: number;
  serversByStatus: { status: string; count: number }[];
  servers: { server: { id: string; name: string; status: string }; latest: Record<string, number> | null }[];
  deploymentCount: number;
  deploymentsByStatus: { status: string; count: number }[];
  jobs: Record<string, number>;
  activeJobs: { id: string; kind: string; status: string }[];
  recentJobs: { id: string; kind: string; status: string }[];
  at: string;
}

describe('dashboard over GraphQL', () => {
  let api: TestApi;
  let worker: INestApplicationContext | null = null;
  let admin: string;
  let viewer: string;

  const dashboard = async (token: string) => {
    const result = await gql<{ dashboard: DashboardView }>(api.graphqlUrl, DASHBOARD, {}, token);
    expect(result.errors).toBeUndefined();
    return result.data?.dashboard as DashboardView;
  };

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    admin = await setupAdmin(api, { username: 'admin', password: 'watching the whole platform' });
    viewer = await signInNewUser(api, admin, {
      username: 'vera',
      password: 'only looking, never touching',
      role: 'VIEWER',
    });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('is refused without credentials, and starts empty', async () => {
    expect(errorCodes(await gql(api.graphqlUrl, DASHBOARD))).toEqual(['UNAUTHENTICATED']);
    const empty = await dashboard(viewer);
    expect(empty).toMatchObject({
      serverCount: 0,
      serversByStatus: [],
      servers: [],
      deploymentCount: 0,
      deploymentsByStatus: [],
      jobs: { queued: 0, running: 0, waiting: 0, succeededLast24h: 0, failedLast24h: 0, cancelledLast24h: 0 },
      activeJobs: [],
      recentJobs: [],
    });
    expect(Math.abs(new Date(empty.at).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('counts servers by status with their newest metrics, and jobs now and over the last day', async () => {
    const run = async (query: string, variables: Record<string, unknown> = {}) => {
      const result = await gql<Record<string, { id: string }>>(api.graphqlUrl, query, variables, admin);
      expect(result.errors).toBeUndefined();
      return Object.values(result.data ?? {})[0]?.id ?? '';
    };
    // No worker yet: what is queued stays queued. The worker started below runs only the engine's
    // own workflows, so the server's connection test fails on it.
    const serverId = await run('mutation($input: AddServerInput!) { addServer(input: $input) { id } }', {
      input: {
        name: 'garage',
        host: '127.0.0.1',
        port: 22,
        username: 'tomo',
        authType: 'PASSWORD',
        password: 'not used in this test',
      },
    });
    const cancelledPing = await run('mutation { pingSystem { id } }');
    await run('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: cancelledPing });
    const before = await dashboard(viewer);
    expect(before).toMatchObject({
      serverCount: 1,
      serversByStatus: [{ status: 'UNKNOWN', count: 1 }],
      servers: [{ server: { id: serverId, name: 'garage', status: 'UNKNOWN' }, latest: null }],
      jobs: { queued: 1, running: 0, waiting: 0, succeededLast24h: 0, failedLast24h: 0, cancelledLast24h: 1 },
      activeJobs: [{ kind: 'server.test-connection', status: 'QUEUED' }],
    });
    const connectionTest = before.activeJobs[0].id;

    await api.app.get(ServerMetricsStore).addSample(
      serverId,
      new Date(),
      {
        cpuPercent: 12.5,
        memoryUsedBytes: 1_000,
        memoryTotalBytes: 4_000,
        diskUsedBytes: 10,
        diskTotalBytes: 100,
        load1: 0.5,
        load5: 0.4,
        load15: 0.3,
        containersRunning: 3,
        containersTotal: 4,
      },
      null,
    );
    worker = await NestFactory.createApplicationContext(engineOnlyWorker(api, 'dashboard-test-worker'), {
      logger: false,
    });
    await worker.init();
    const ping = await run('mutation { pingSystem { id } }');
    const after = await waitFor(async () => {
      const view = await dashboard(viewer);
      return view.jobs['succeededLast24h'] === 1 && view.jobs['failedLast24h'] === 1 && view;
    }, 'the ping to succeed and the connection test to fail');
    expect(after.servers[0].latest).toEqual({ cpuPercent: 12.5, memoryUsedBytes: 1_000, containersRunning: 3 });
    expect(after.jobs).toEqual({
      queued: 0,
      running: 0,
      waiting: 0,
      succeededLast24h: 1,
      failedLast24h: 1,
      cancelledLast24h: 1,
    });
    expect(after.activeJobs).toEqual([]);
    expect(after.recentJobs.map((job) => [job.id, job.status])).toEqual([
      [ping, 'SUCCEEDED'],
      [cancelledPing, 'CANCELLED'],
      [connectionTest, 'FAILED'],
    ]);
  });

  it('gives each server its own newest raw sample (read for all servers in one query)', async () => {
    const store = api.app.get(ServerMetricsStore);
    const added = await gql<{ addServer: { id: string } }>(
      api.graphqlUrl,
      'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
      {
        input: {
          name: 'shed',
          host: '127.0.0.1',
          port: 22,
          username: 'tomo',
          authType: 'PASSWORD',
          password: 'not used in this test',
        },
      },
      admin,
    );
    expect(added.errors).toBeUndefined();
    const shed = added.data?.addServer.id ?? '';
    const sample = (serverId: string, minutesAgo: number, cpuPercent: number) =>
      store.addSample(
        serverId,
        new Date(Date.now() - minutesAgo * 60_000),
        {
          cpuPercent,
          memoryUsedBytes: 1,
          memoryTotalBytes: 2,
          diskUsedBytes: 1,
          diskTotalBytes: 2,
          load1: 0,
          load5: 0,
          load15: 0,
          containersRunning: 0,
          containersTotal: 0,
        },
        null,
      );
    await sample(shed, 2, 40);
    await sample(shed, 1, 60);
    // Older than garage's sample of the test above, so it must not replace it.
    const [garage] = (await dashboard(viewer)).servers;
    await sample(garage.server.id, 10, 99);

    const view = await dashboard(viewer);
    expect(view.servers.map(({ server, latest }) => [server.name, latest?.['cpuPercent']])).toEqual([
      ['garage', 12.5],
      ['shed', 60],
    ]);
  });

  it('counts deployments by status in the database, and gives each server the fields asked for', async () => {
    const [garage, shed] = (await dashboard(viewer)).servers.map(({ server }) => server.id);
    const records = api.app.get(DeploymentRecords);
    const statuses = [DeploymentStatus.Running, DeploymentStatus.Failed, DeploymentStatus.Running];
    for (const [i, status] of statuses.entries()) {
      const at = new Date();
      await records.insert(
        Object.assign(new DeploymentEntity(), {
          id: randomUUID(),
          serverId: i === 0 ? shed : garage,
          appId: 'whoami',
          status,
          statusMessage: null,
          containerName: `tomo-whoami-${i}`,
          containerId: null,
          image: 'traefik/whoami:v1.10',
          config: { env: {}, ports: [] },
          secretEnv: null,
          targetImage: null,
          targetConfig: null,
          targetSecretEnv: null,
          accessUrls: [],
          lastJobId: null,
          createdAt: at,
          updatedAt: at,
        }),
      );
    }
    const result = await gql<{
      dashboard: { deploymentCount: number; deploymentsByStatus: unknown[]; servers: unknown[] };
    }>(
      api.graphqlUrl,
      `{ dashboard { deploymentCount deploymentsByStatus { status count } servers { server { ...Where port } } } }
       fragment Where on Server { name address: host }`,
      {},
      viewer,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.dashboard).toEqual({
      deploymentCount: 3,
      deploymentsByStatus: [
        { status: 'RUNNING', count: 2 },
        { status: 'FAILED', count: 1 },
      ],
      servers: [
        { server: { name: 'garage', address: '127.0.0.1', port: 22 } },
        { server: { name: 'shed', address: '127.0.0.1', port: 22 } },
      ],
    });
  });
});
