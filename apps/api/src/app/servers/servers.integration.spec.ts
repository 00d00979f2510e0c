import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig } from '@tomo/config';
import { DeploymentRecords } from '@tomo/deployments';
import { MarketplaceService } from '@tomo/marketplace';
import { ServerMetricsStore } from '@tomo/servers';
import { JobKind, JobStatus } from '@tomo/shared';
import { SshConnectionPool } from '@tomo/ssh';
import {
  errorCodes,
  gql,
  gqlOk,
  readTestbed,
  setupAdmin,
  signInNewUser,
  startTestApi,
  type TestApi,
  type TestbedState,
  waitFor,
} from '@tomo/testing';
import { type JobRow, JobsService } from '@tomo/workflows';
import { AppModule } from '../app.module';
import { freePort, REMOTE_SLEEP_KIND, ServersTestWorkerModule, ThrowawaySshd } from './servers.testing';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const SERVER_FIELDS =
  'id name host port username authType status statusMessage hostKeyFingerprint presentedHostKeyFingerprint dockerVersion dockerAccessible os arch kernel cpuCount memoryBytes diskBytes networkMode lastSeenAt';
const ADD = `mutation($input: AddServerInput!) { addServer(input: $input) { ${SERVER_FIELDS} } }`;
const SERVER = `query($id: ID!) { server(id: $id) { ${SERVER_FIELDS} } }`;

type ServerView = {
  id: string;
  status: string;
  statusMessage: string | null;
  hostKeyFingerprint: string | null;
  presentedHostKeyFingerprint: string | null;
  dockerVersion: string | null;
  dockerAccessible: boolean | null;
  os: string | null;
  arch: string | null;
  kernel: string | null;
  cpuCount: number | null;
  memoryBytes: number | null;
  diskBytes: number | null;
  networkMode: string;
  lastSeenAt: string | null;
};

/**
 * Servers end to end: the API (GraphQL over HTTP) and an in-process worker on one SQLite file
 * and one Redis prefix, against the testbed's real sshd and Docker engine (and throwaway sshds
 * of our own for outages and changed host keys).
 */
describe('servers (real sshd, real Docker, API + worker)', () => {
  let testbed: TestbedState;
  let api: TestApi;
  let worker: INestApplicationContext;
  let jobs: JobsService;
  let admin: string;
  let operator: string;
  let viewer: string;

  const call = async <T>(query: string, variables: Record<string, unknown>, token = admin) =>
    gql<T>(api.graphqlUrl, query, variables, token);
  const ok = <T>(query: string, variables: Record<string, unknown>, token = admin) =>
    gqlOk<T>(api, query, variables, token);
  const until = (jobId: string, timeoutMs = 60_000): Promise<JobRow> =>
    waitFor(
      async () => {
        const job = await jobs.get(jobId);
        return [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled].includes(job.status) && job;
      },
      `job ${jobId} to finish`,
      timeoutMs,
      50,
    );
  const testJobOf = async (serverId: string): Promise<JobRow> => {
    const page = await jobs.list({ serverId, kind: JobKind.ServerTestConnection }, 1);
    return page.jobs[0];
  };
  const addServer = async (input: Record<string, unknown>) => {
    const { addServer: server } = await ok<{ addServer: ServerView }>(ADD, {
      input: {
        host: testbed.ssh.host,
        port: testbed.ssh.port,
        username: testbed.ssh.username,
        ...input,
      },
    });
    const job = await until((await testJobOf(server.id)).id);
    const { server: after } = await ok<{ server: ServerView }>(SERVER, {
      id: server.id,
    });
    return { server: after, job };
  };
  beforeAll(async () => {
    testbed = readTestbed();
    api = await startTestApi(AppModule.forRoot);
    const config = loadWorkerConfig(
      {
        DATA_DIR: api.config.dataDir,
        REDIS_URL: api.config.redisUrl,
        TOMO_REDIS_PREFIX: api.config.redisPrefix,
        LOG_LEVEL: 'silent',
        JOB_STALL_TIMEOUT_MS: '5000',
      },
      false,
    );
    worker = await NestFactory.createApplicationContext(ServersTestWorkerModule.forRoot(config), {
      logger: ['error'],
      abortOnError: false,
    });
    await worker.init();
    jobs = worker.get(JobsService);
    admin = await setupAdmin(api, ADMIN);
    operator = await signInNewUser(api, admin, {
      username: 'olivia',
      password: 'staple aivilo battery horse',
      role: 'OPERATOR',
    });
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

  it('adds a server with key auth (encrypted key + passphrase): the test finds it ONLINE with Docker and its facts', async () => {
    const { server, job } = await addServer({
      name: 'key-server',
      authType: 'KEY',
      privateKey: readFileSync(testbed.ssh.encryptedKeyPath, 'utf8'),
      passphrase: testbed.ssh.passphrase,
    });
    expect(job.status).toBe(JobStatus.Succeeded);
    expect(server).toMatchObject({
      status: 'ONLINE',
      hostKeyFingerprint: testbed.ssh.hostKeyFingerprint,
      dockerVersion: expect.stringMatching(/^\d+\.\d+/),
      dockerAccessible: true,
      arch: expect.any(String),
      kernel: expect.any(String),
      networkMode: 'host',
    });
    expect(server.cpuCount).toBeGreaterThan(0);
    expect(server.memoryBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(server.diskBytes).toBeGreaterThan(0);
    expect(server.lastSeenAt).not.toBeNull();
    const steps = await jobs.steps(job.id);
    expect(steps.map((step) => [step.name, step.status])).toEqual([
      ['connect', 'SUCCEEDED'],
      ['verify-host-key', 'SUCCEEDED'],
      ['detect-os', 'SUCCEEDED'],
      ['detect-cpu', 'SUCCEEDED'],
      ['detect-memory', 'SUCCEEDED'],
      ['detect-disk', 'SUCCEEDED'],
      ['detect-docker', 'SUCCEEDED'],
      ['check-docker-permission', 'SUCCEEDED'],
      ['record-status', 'SUCCEEDED'],
    ]);
    const events = await jobs.events(job.id);
    expect(events.map((e) => e.message)).toContainEqual(
      `Pinned host key ${testbed.ssh.hostKeyFingerprint} (first connection)`,
    );
  });

  it('adds a server with password auth → ONLINE; testConnection again verifies the pinned key', async () => {
    const { server } = await addServer({
      name: 'password-server',
      authType: 'PASSWORD',
      password: testbed.ssh.password,
      networkMode: 'bridge',
    });
    expect(server).toMatchObject({
      status: 'ONLINE',
      dockerAccessible: true,
      networkMode: 'bridge',
      hostKeyFingerprint: testbed.ssh.hostKeyFingerprint,
    });
    const { testConnection } = await ok<{
      testConnection: { id: string; status: string };
    }>('mutation($id: ID!) { testConnection(serverId: $id) { id status } }', { id: server.id }, operator);
    const again = await until(testConnection.id);
    expect(again.status).toBe(JobStatus.Succeeded);
    expect((await jobs.events(again.id)).map((e) => e.message)).toContainEqual(
      `Host key matches the pinned ${testbed.ssh.hostKeyFingerprint}`,
    );
  });

  it('wrong password → AUTH_FAILED quickly, without retries', async () => {
    const { server, job } = await addServer({
      name: 'wrong-password',
      authType: 'PASSWORD',
      password: 'not the password at all',
    });
    // Quickly: the rejection itself, not a handshake timeout (that would be SERVER_UNREACHABLE), and no retry.
    expect(job.status).toBe(JobStatus.Failed);
    expect((await jobs.events(job.id)).filter((e) => e.type === 'step.retrying')).toEqual([]);
    expect(job.errorCode).toBe('SSH_AUTH_FAILED');
    expect(server.status).toBe('AUTH_FAILED');
    expect(server.statusMessage).toMatch(/rejected the credentials/);
    const [connect] = await jobs.steps(job.id);
    expect(connect).toMatchObject({
      name: 'connect',
      status: 'FAILED',
      attempts: 1,
    });
  });

  it('sshd not running → retried with backoff, then OFFLINE', async () => {
    const port = await freePort();
    const { server, job } = await addServer({
      name: 'nothing-listens',
      authType: 'PASSWORD',
      password: 'whatever',
      port,
    });
    expect(job.status).toBe(JobStatus.Failed);
    expect(job.errorCode).toBe('SERVER_UNREACHABLE');
    expect(server.status).toBe('OFFLINE');
    const [connect] = await jobs.steps(job.id);
    expect(connect).toMatchObject({
      name: 'connect',
      status: 'FAILED',
      attempts: 4,
    });
    const events = await jobs.events(job.id);
    const retries = events.filter((e) => e.type === 'step.retrying');
    expect(retries).toHaveLength(3);
    // Each retry announces when the next attempt is (backoff: see retryDelayMs' unit test),
    // and the next attempt does not start before then. Load can only make it later.
    for (const retry of retries) {
      const announced = Date.parse(/Next attempt at (\S+)/.exec(retry.message)?.[1] ?? '');
      expect(announced).toBeGreaterThan(retry.at.getTime());
      const next = events.find((e) => e.seq > retry.seq && e.type === 'step.started');
      expect(next?.at.getTime()).toBeGreaterThanOrEqual(announced);
    }
  });

  it('sshd restarted with a new host key → HOST_KEY_MISMATCH until an admin accepts the new key', async () => {
    const sshd = await ThrowawaySshd.create(testbed);
    try {
      await sshd.start('a');
      const { server } = await addServer({
        name: 'rekeyed',
        authType: 'PASSWORD',
        password: testbed.ssh.password,
        port: sshd.port,
      });
      expect(server).toMatchObject({
        status: 'ONLINE',
        hostKeyFingerprint: sshd.fingerprint('a'),
      });

      await sshd.stop();
      worker.get(SshConnectionPool).closeServer(server.id);
      await sshd.start('b');
      const { testConnection } = await ok<{ testConnection: { id: string } }>(
        'mutation($id: ID!) { testConnection(serverId: $id) { id } }',
        { id: server.id },
      );
      const failed = await until(testConnection.id);
      expect(failed.status).toBe(JobStatus.Failed);
      expect(failed.errorCode).toBe('HOST_KEY_MISMATCH');
      expect((await jobs.steps(failed.id))[0]).toMatchObject({
        name: 'connect',
        attempts: 1,
      });
      const { server: mismatched } = await ok<{ server: ServerView }>(SERVER, {
        id: server.id,
      });
      expect(mismatched).toMatchObject({
        status: 'HOST_KEY_MISMATCH',
        hostKeyFingerprint: sshd.fingerprint('a'),
        presentedHostKeyFingerprint: sshd.fingerprint('b'),
      });

      // It stays so: a later connection is refused the same way (nothing was trusted).
      const retried = await until(
        (
          await ok<{ testConnection: { id: string } }>('mutation($id: ID!) { testConnection(serverId: $id) { id } }', {
            id: server.id,
          })
        ).testConnection.id,
      );
      expect(retried.errorCode).toBe('HOST_KEY_MISMATCH');

      const ACCEPT = 'mutation($id: ID!) { acceptServerHostKey(id: $id) { id status hostKeyFingerprint } }';
      expect(errorCodes(await call(ACCEPT, { id: server.id }, operator))).toEqual(['FORBIDDEN']);
      const accepted = await ok<{ acceptServerHostKey: ServerView }>(ACCEPT, {
        id: server.id,
      });
      expect(accepted.acceptServerHostKey).toMatchObject({
        status: 'UNKNOWN',
        hostKeyFingerprint: sshd.fingerprint('b'),
      });
      const retest = await testJobOf(server.id);
      expect((await until(retest.id)).status).toBe(JobStatus.Succeeded);
      expect((await ok<{ server: ServerView }>(SERVER, { id: server.id })).server).toMatchObject({
        status: 'ONLINE',
        presentedHostKeyFingerprint: null,
      });
      expect(errorCodes(await call(ACCEPT, { id: server.id }))).toEqual(['CONFLICT']);
    } finally {
      await sshd.dispose();
    }
  });

  it('a cancelled long remote command is gone from the server', async () => {
    const serverId = (
      await ok<{ servers: { id: string; name: string }[] }>('{ servers { id name } }', {})
    ).servers.find((s) => s.name === 'key-server')?.id;
    const seconds = 3000 + Math.floor(Math.random() * 900);
    const remoteSleeps = () =>
      execFileSync('ps', ['-u', testbed.ssh.username, '-o', 'args='], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter((line) => line.trim() === `sleep ${seconds}`);
    const job = await jobs.create(REMOTE_SLEEP_KIND, { seconds }, { requestedBy: 'test', serverId });
    await waitFor(() => remoteSleeps().length === 1, 'the remote sleep to run');
    // A test-only job kind: only an ADMIN may cancel a kind that JOB_KIND_ROLE does not list.
    const cancelled = await ok<{ cancelJob: { id: string } }>(
      'mutation($id: ID!) { cancelJob(id: $id) { id } }',
      { id: job.id },
      admin,
    );
    expect((await until(cancelled.cancelJob.id)).status).toBe(JobStatus.Cancelled);
    // The engine records the cancellation as soon as the step's signal fires; the SSH runner
    // kills the remote process group (TERM, then KILL after 2 s) in the meantime.
    await waitFor(() => remoteSleeps().length === 0, 'the remote sleep to be gone', 5_000);
  });

  it('collects metrics on demand, downsamples to hourly averages, prunes, and serverMetrics returns them', async () => {
    const { servers } = await ok<{ servers: { id: string; name: string }[] }>('{ servers { id name } }', {}, viewer);
    const serverId = servers.find((s) => s.name === 'key-server')?.id ?? '';
    const store = worker.get(ServerMetricsStore);
    // Two old raw samples in one hour, to be averaged and then pruned.
    const hourStart = new Date(Math.floor((Date.now() - 5 * 3_600_000) / 3_600_000) * 3_600_000);
    const old = {
      cpuPercent: 10,
      memoryUsedBytes: 100,
      memoryTotalBytes: 1000,
      diskUsedBytes: 10,
      diskTotalBytes: 100,
      load1: 1,
      load5: 1,
      load15: 1,
      containersRunning: 1,
      containersTotal: 2,
    };
    await store.addSample(serverId, new Date(hourStart.getTime() + 60_000), old, null);
    await store.addSample(
      serverId,
      new Date(hourStart.getTime() + 120_000),
      { ...old, cpuPercent: 30, memoryUsedBytes: 301 },
      null,
    );

    for (let i = 0; i < 2; i++) {
      const job = await jobs.create(
        JobKind.MaintenanceCollectServerMetrics,
        { serverId, rawRetentionHours: 2 },
        { requestedBy: null },
      );
      const done = await until(job.id);
      expect(done.status).toBe(JobStatus.Succeeded);
      expect(done.result).toMatchObject({ sampled: 1, failed: [] });
    }
    const since = new Date(Date.now() - 6 * 3_600_000).toISOString();
    const { serverMetrics } = await ok<{
      serverMetrics: Record<string, number | string | null>[];
    }>(
      'query($id: ID!, $since: DateTime!) { serverMetrics(serverId: $id, since: $since) { at bucketSeconds samples cpuPercent memoryUsedBytes memoryTotalBytes diskUsedBytes diskTotalBytes load1 containersRunning containersTotal } }',
      { id: serverId, since },
      viewer,
    );
    const [hourly, ...raw] = serverMetrics;
    expect(hourly).toMatchObject({
      at: hourStart.toISOString(),
      bucketSeconds: 3600,
      samples: 2,
      cpuPercent: 20,
      memoryUsedBytes: 201,
    });
    expect(raw).toHaveLength(2);
    for (const point of raw) {
      expect(point).toMatchObject({ bucketSeconds: 0, samples: 1 });
      expect(point['cpuPercent']).toEqual(expect.any(Number));
      expect(point['memoryTotalBytes']).toBeGreaterThan(0);
      expect(point['diskTotalBytes']).toBeGreaterThan(0);
      expect(point['load1']).toEqual(expect.any(Number));
      expect(point['containersTotal']).toEqual(expect.any(Number));
    }
  });

  it('an OPERATOR cannot send stored credentials to a new address, and a new address keeps the pin', async () => {
    const sshd = await ThrowawaySshd.create(testbed);
    try {
      await sshd.start('a');
      const { server } = await addServer({
        name: 'moved',
        authType: 'PASSWORD',
        password: testbed.ssh.password,
        port: sshd.port,
      });
      expect(server.hostKeyFingerprint).toBe(sshd.fingerprint('a'));
      const UPDATE =
        'mutation($id: ID!, $input: UpdateServerInput!) { updateServer(id: $id, input: $input) { id status hostKeyFingerprint } }';

      // The testbed's sshd stands in for a machine that logs passwords: another key, same user.
      const refused = await call(UPDATE, { id: server.id, input: { port: testbed.ssh.port } }, operator);
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.errors?.[0].message).toMatch(/supply password again/);
      expect((await ok<{ server: ServerView }>(SERVER, { id: server.id })).server).toMatchObject({
        status: 'ONLINE',
        hostKeyFingerprint: sshd.fingerprint('a'),
      });

      // With the credentials (or as an ADMIN) the move is allowed, but the pin stays: the
      // machine at the new address is refused before any password is sent to it.
      for (const [input, token] of [
        [{ port: testbed.ssh.port, password: testbed.ssh.password }, operator],
        [{ port: testbed.ssh.port }, admin],
      ] as const) {
        await ok(UPDATE, { id: server.id, input }, token);
        const job = await until((await testJobOf(server.id)).id);
        expect(job.errorCode).toBe('HOST_KEY_MISMATCH');
        expect((await ok<{ server: ServerView }>(SERVER, { id: server.id })).server).toMatchObject({
          status: 'HOST_KEY_MISMATCH',
          hostKeyFingerprint: sshd.fingerprint('a'),
        });
        expect(
          (await ok<{ server: ServerView }>(SERVER, { id: server.id })).server.presentedHostKeyFingerprint,
        ).not.toBe(sshd.fingerprint('a'));
        // Back to the original address for the next round.
        await ok(UPDATE, { id: server.id, input: { port: sshd.port } }, admin);
        expect((await until((await testJobOf(server.id)).id)).status).toBe(JobStatus.Succeeded);
      }
    } finally {
      await sshd.dispose();
    }
  });

  it('validates input with clear messages and refuses viewers', async () => {
    const base = {
      name: 'bad',
      host: '127.0.0.1',
      username: 'u',
      authType: 'PASSWORD',
      password: 'pw',
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ port: 70000 }, /port must be a whole number from 1 to 65535/],
      [{ host: 'bad host;rm' }, /host must be a host name or an IP address/],
      [{ authType: 'KEY', password: null, privateKey: 'garbage' }, /private key is malformed/],
      [
        {
          authType: 'KEY',
          password: null,
          privateKey: readFileSync(testbed.ssh.encryptedKeyPath, 'utf8'),
          passphrase: 'wrong',
        },
        /wrong passphrase/,
      ],
      [{ networkMode: 'bad mode' }, /networkMode must be/],
    ];
    for (const [input, message] of cases) {
      const result = await call(ADD, { input: { ...base, ...input } }, operator);
      expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0].message).toMatch(message);
    }
    expect(errorCodes(await call(ADD, { input: base }, viewer))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(ADD, { input: { ...base, name: 'key-server' } }, operator))).toEqual(['CONFLICT']);
    // None of the refused servers was stored.
    const { servers } = await ok<{ servers: { name: string }[] }>('{ servers { name } }', {});
    expect(servers.map((s) => s.name)).not.toContain('bad');
    expect(servers.filter((s) => s.name === 'key-server')).toHaveLength(1);
  });

  it('updates and deletes; a server with a deployment is not deleted (CONFLICT, the server kept)', async () => {
    const { servers } = await ok<{ servers: { id: string; name: string }[] }>('{ servers { id name } }', {});
    const id = servers.find((s) => s.name === 'password-server')?.id ?? '';
    const { updateServer } = await ok<{
      updateServer: ServerView & { name: string };
    }>(
      'mutation($id: ID!, $input: UpdateServerInput!) { updateServer(id: $id, input: $input) { name networkMode status } }',
      { id, input: { name: 'renamed', networkMode: 'my-net' } },
      operator,
    );
    expect(updateServer).toMatchObject({
      name: 'renamed',
      networkMode: 'my-net',
      status: 'ONLINE',
    });

    // A real deployment record, as installApp writes it (this worker runs no deployment
    // workflows: the record stays, whatever becomes of its install job).
    await api.app.get(MarketplaceService).loadBuiltInCatalog();
    const { installApp } = await ok<{ installApp: { deploymentId: string } }>(
      'mutation($input: InstallAppInput!) { installApp(input: $input) { deploymentId } }',
      {
        input: {
          serverId: id,
          appId: 'builtin/pihole',
          config: {
            env: [{ name: 'WEBPASSWORD', value: 'not-a-real-one' }],
            pullPolicy: 'NEVER',
          },
        },
      },
      operator,
    );
    const DELETE = 'mutation($id: ID!) { deleteServer(id: $id) { id name } }';
    const refused = await call(DELETE, { id }, operator);
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors?.[0]?.message).toBe(
      'Server "renamed" has 1 deployment(s): uninstall them before deleting the server',
    );
    expect((await ok<{ server: { name: string } }>(SERVER, { id })).server.name).toBe('renamed');

    // Uninstalling needs Docker work this worker does not do: the record goes directly.
    await api.app.get(DeploymentRecords).delete(installApp.deploymentId);
    expect((await ok<{ deleteServer: { name: string } }>(DELETE, { id }, operator)).deleteServer.name).toBe('renamed');
    expect(errorCodes(await call(SERVER, { id }))).toEqual(['NOT_FOUND']);
  });
});
