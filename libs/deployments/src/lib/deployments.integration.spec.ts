import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MarketplaceAppEntity, MarketplaceService, parseImageReference } from '@tomo/marketplace';
import { DataSource } from 'typeorm';
import { NotificationEntity } from '@tomo/notifications';
import { ServerAuthType, ServersService } from '@tomo/servers';
import { ErrorCode, JobKind, JobStatus, NotificationEvent, Role, StepStatus } from '@tomo/shared';
import { createWorkflowTestEnv, readTestbed, type TestbedState, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { type JobRow, JobsService } from '@tomo/workflows';
import { DEPLOYMENT_TEST_KINDS, DeploymentsTestRootModule } from '../testing/deployments-test-module';
import { testAppYaml } from '../testing/test-app';
import { PullPolicy } from './deployment-config';
import { DeploymentsService } from './deployments.service';
import { DeploymentStatus } from './entities';

jest.setTimeout(300_000);

/**
 * Deployments end to end on the testbed: real sshd, real Docker engine, images from its
 * registry (pushed under a fresh repository per run, so the pull step really pulls), real
 * SQLite and Redis; workflows run by an in-process worker, and by forked worker processes for
 * the crash test. Every check looks at the engine itself (docker inspect / ps).
 */
describe('deployments on the testbed', () => {
  let testbed: TestbedState;
  let env: WorkflowTestEnv;
  let api: INestApplicationContext;
  let worker: INestApplicationContext | null = null;
  let deployments: DeploymentsService;
  let jobs: JobsService;
  let serverId: string;
  let repo: string;
  let port: number;
  const marker = `/tmp/tomo-pwned-${randomBytes(4).toString('hex')}`;
  const scratch = mkdtempSync(join(tmpdir(), 'tomo-deployments-'));
  const children: ChildProcess[] = [];

  const docker = (...args: string[]): string => {
    try {
      return execFileSync('docker', args, {
        encoding: 'utf8',
        env: { ...process.env, DOCKER_HOST: testbed.docker.host },
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    } catch (error) {
      throw new Error(`docker ${args.join(' ')}: ${String((error as { stderr?: string }).stderr ?? error)}`);
    }
  };
  /** A variable as the container's process sees it (the image has no printenv; the name is a fixed word). */
  const envIn = (container: string, name: string) => docker('exec', container, 'sh', '-c', `printf %s "$${name}"`);
  const tryDocker = (...args: string[]): string | null => {
    try {
      return docker(...args);
    } catch {
      return null;
    }
  };
  const inspect = (name: string) => {
    const out = tryDocker('container', 'inspect', name);
    return out ? (JSON.parse(out) as Record<string, any>[])[0] : null; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const containersOf = (deploymentId: string) =>
    docker('ps', '-a', '--filter', `label=tomo.deployment=${deploymentId}`, '--format', '{{.Names}}')
      .split('\n')
      .filter(Boolean);
  const fetchVersion = async (): Promise<string | null> => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/tomo-version`, { signal: AbortSignal.timeout(2_000) });
      return response.ok ? (await response.text()).trim() : `HTTP ${response.status}`;
    } catch {
      return null;
    }
  };

  const finished = (jobId: string, timeoutMs = 120_000): Promise<JobRow> =>
    waitFor(
      async () => {
        const job = await jobs.get(jobId);
        return [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled].includes(job.status) && job;
      },
      `job ${jobId} to finish`,
      timeoutMs,
      100,
    );
  const succeeded = async (job: JobRow): Promise<JobRow> => {
    const done = await finished(job.id);
    if (done.status !== JobStatus.Succeeded) {
      const events = await jobs.events(job.id);
      throw new Error(
        `job ${job.kind} ${done.status}: ${done.errorMessage}\n${events.map((e) => `${e.step ?? '-'} ${e.type} ${e.message}`).join('\n')}`,
      );
    }
    return done;
  };
  /** Notifications the worker stored (no channel is configured: nothing is delivered). */
  const notified = (event: NotificationEvent) =>
    api
      .get(DataSource)
      .getRepository(NotificationEntity)
      .find({ where: { event }, order: { createdAt: 'ASC' } });
  const firstNotified = async (event: NotificationEvent) =>
    await waitFor(async () => (await notified(event))[0], event);
  const stepsOf = async (jobId: string) => Object.fromEntries((await jobs.steps(jobId)).map((s) => [s.name, s.status]));

  async function startWorker(): Promise<void> {
    worker = await NestFactory.createApplicationContext(
      DeploymentsTestRootModule.forRoot(env.config, { worker: true }),
      { logger: ['error', 'warn'] },
    );
    await worker.init();
  }

  async function stopWorker(): Promise<void> {
    await worker?.close();
    worker = null;
  }

  function forkWorker(): Promise<ChildProcess> {
    const root = resolve(__dirname, '../../../..');
    const child = fork(join(__dirname, '../testing/deployments-test-worker.main.ts'), [], {
      cwd: root,
      execArgv: ['-r', '@swc-node/register'],
      env: { ...process.env, ...env.env, SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'), NODE_ENV: 'test' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    return new Promise((ready, fail) => {
      const timer = setTimeout(() => fail(new Error('deployments test worker did not start within 60 s')), 60_000);
      child.once('message', () => {
        clearTimeout(timer);
        ready(child);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`deployments test worker exited (${code}) before it was ready`));
      });
    });
  }

  /** A free TCP port on this machine (the testbed's host network is this machine's). */
  function freePort(): Promise<number> {
    return new Promise((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => done(typeof address === 'object' && address ? address.port : 0));
      });
    });
  }

  /**
   * A marketplace repository (a local git repository) holding one test app; returns its public
   * app id. The schema refuses registries with a port, so the app is written with a stand-in
   * image and its stored definition then points at the testbed registry (so that pulls pull).
   */
  async function addApp(name: string, yaml: string, image: string): Promise<string> {
    const dir = join(scratch, name);
    mkdirSync(join(dir, 'apps', 'utility', 'busybox-httpd'), { recursive: true });
    writeFileSync(join(dir, 'apps', 'utility', 'busybox-httpd', 'app.yaml'), yaml);
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, ...args], {
        env: {
          ...process.env,
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t.invalid',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t.invalid',
        },
      });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '--all');
    git('commit', '--quiet', '-m', 'app');
    const marketplace = api.get(MarketplaceService);
    const added = await marketplace.addRepo({ name, url: dir, branch: 'main' });
    const synced = await marketplace.syncRepo(added.id);
    expect(synced.errors).toEqual([]);
    const id = `${name}/busybox-httpd`;
    const apps = api.get(DataSource).getRepository(MarketplaceAppEntity);
    const row = await apps.findOneByOrFail({ id });
    await apps.update({ id }, { definition: { ...row.definition, image: parseImageReference(image) } });
    return id;
  }

  beforeAll(async () => {
    testbed = readTestbed();
    // A fresh repository in the registry: v1, v2 and a "broken" tag whose /etc/tomo-version is gone (health check → 404).
    repo = `${testbed.registry.address}/tomo/deploy-${randomBytes(4).toString('hex')}`;
    for (const [source, tag] of [
      [testbed.images.v1, 'v1'],
      [testbed.images.v2, 'v2'],
    ] as const) {
      docker('pull', '--quiet', source);
      docker('tag', source, `${repo}:${tag}`);
      docker('push', '--quiet', `${repo}:${tag}`);
    }
    const builder = docker('create', testbed.images.v2, 'true');
    const rootfs = join(scratch, 'broken.tar');
    docker('export', '--output', rootfs, builder);
    docker('rm', builder);
    const stripped = join(scratch, 'stripped.tar');
    execFileSync('sh', [
      '-c',
      'mkdir -p "$1/fs" && tar -xf "$2" -C "$1/fs" && rm -f "$1/fs/etc/tomo-version" && tar -cf "$3" -C "$1/fs" .',
      'sh',
      scratch,
      rootfs,
      stripped,
    ]);
    docker('import', stripped, `${repo}:broken`);
    docker('push', '--quiet', `${repo}:broken`);
    for (const tag of ['v1', 'v2', 'broken']) docker('rmi', `${repo}:${tag}`);

    env = await createWorkflowTestEnv({ JOB_STALL_TIMEOUT_MS: '2000' });
    api = await NestFactory.createApplicationContext(DeploymentsTestRootModule.forRoot(env.config, { worker: false }), {
      logger: ['error', 'warn'],
    });
    await api.init();
    deployments = api.get(DeploymentsService);
    jobs = api.get(JobsService);
    await startWorker();
    const { server, job } = await api.get(ServersService).add(
      {
        name: 'testbed',
        host: testbed.ssh.host,
        port: testbed.ssh.port,
        username: testbed.ssh.username,
        authType: ServerAuthType.Key,
        privateKey: readFileSync(testbed.ssh.privateKeyPath, 'utf8'),
      },
      'test',
    );
    serverId = server.id;
    await succeeded(job);
    port = await freePort();
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const name of (
      tryDocker('ps', '-a', '--filter', `label=tomo.app`, '--format', '{{.Names}}\t{{.Label "tomo.app"}}') ?? ''
    ).split('\n')) {
      const [container, app] = name.split('\t');
      if (container && app?.startsWith('deploy-')) tryDocker('rm', '-f', container);
    }
    await stopWorker();
    await api?.close();
    await env?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(marker, { force: true });
  });

  it('install → logs → stop → start → restart → update (good, bad, missing tag) → uninstall, checked on the engine', async () => {
    const appId = await addApp(
      `deploy-${randomBytes(3).toString('hex')}`,
      testAppYaml({
        port,
        volumes: `    - container: /data
      host: ./data
      mode: rw
      description: Data`,
      }),
      `${repo}:v1`,
    );
    const hostile = `it's $(touch ${marker}); \`touch ${marker}\` | rm -rf ~ && echo "done" > ${marker} \\ *`;
    const hostilePath = `./dir with 'quotes' $(touch ${marker}); and \`ticks\` & more`;

    // Install: validated at once (BAD_USER_INPUT before any job), then the workflow.
    await expect(
      deployments.install({ serverId, appId, config: { ports: [{ container: 1, host: 2 }] } }, 'alice', Role.Admin),
    ).rejects.toMatchObject({ code: ErrorCode.BadUserInput });
    const request = {
      serverId,
      appId,
      config: {
        env: [
          { name: 'GREETING', value: hostile },
          { name: 'API_TOKEN', value: 's3cret-value' },
        ],
        volumes: [{ container: '/weird', host: hostilePath }],
        pullPolicy: PullPolicy.Always,
      },
      idempotencyKey: `install-${port}`,
    };
    const install = await deployments.install(request, 'alice', Role.Admin);
    // The same request with the same idempotency key returns the same job and makes no second
    // deployment; the key with another request is a CONFLICT.
    const again = await deployments.install(request, 'alice', Role.Admin);
    expect(again.id).toBe(install.id);
    await expect(
      deployments.install({ serverId, appId, config: {}, idempotencyKey: `install-${port}` }, 'alice', Role.Admin),
    ).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    await succeeded(install);
    const deploymentId = install.deploymentId as string;
    expect((await deployments.list(serverId)).map((d) => d.id)).toEqual([deploymentId]);
    const steps = await stepsOf(install.id);
    expect(steps).toEqual({
      validate: StepStatus.Succeeded,
      preflight: StepStatus.Succeeded,
      'pull-image': StepStatus.Succeeded,
      'prepare-volumes': StepStatus.Succeeded,
      'create-container': StepStatus.Succeeded,
      'start-container': StepStatus.Succeeded,
      'health-check': StepStatus.Succeeded,
      record: StepStatus.Succeeded,
    });
    const timeline = (await jobs.events(install.id)).map((e) => e.message).join('\n');
    expect(timeline).toContain(`Pulling ${repo}:v1`);
    expect(timeline).toMatch(/Health check HTTP \/tomo-version on port \d+ \(curl\): healthy/);
    expect(timeline).not.toContain('s3cret-value');

    const row = await deployments.get(deploymentId);
    expect(row).toMatchObject({
      status: DeploymentStatus.Running,
      accessUrls: [`http://127.0.0.1:${port}`],
      image: `${repo}:v1`,
    });
    expect(deployments.publicConfig(row).env.find((v) => v.name === 'API_TOKEN')).toEqual({
      name: 'API_TOKEN',
      value: null,
      secret: true,
    });
    expect(JSON.stringify(row.config)).not.toContain('s3cret-value');
    const container = inspect(row.containerName);
    expect(container?.['Id']).toBe(row.containerId);
    expect(container?.['State'].Running).toBe(true);
    expect(container?.['Config'].Labels).toMatchObject({
      'tomo.managed': 'true',
      'tomo.deployment': deploymentId,
      'tomo.app': appId,
    });
    expect(container?.['HostConfig'].NetworkMode).toBe('host');
    expect(container?.['HostConfig'].RestartPolicy.Name).toBe('unless-stopped');
    // Every value reached the container literally, and nothing ran.
    expect(container?.['Config'].Env).toContain(`GREETING=${hostile}`);
    expect(envIn(row.containerName, 'GREETING')).toBe(hostile);
    expect(envIn(row.containerName, 'API_TOKEN')).toBe('s3cret-value');
    const home = execFileSync('getent', ['passwd', testbed.ssh.username], { encoding: 'utf8' }).split(':')[5];
    const deploymentDir = `${home}/tomo/deployments/${deploymentId}`;
    const mounts = (container?.['Mounts'] as { Source: string; Destination: string }[])
      .map((m) => [m.Destination, m.Source])
      .sort();
    expect(mounts).toEqual([
      ['/data', `${deploymentDir}/data`],
      ['/weird', `${deploymentDir}/${hostilePath.slice(2)}`],
    ]);
    expect(existsSync(`${deploymentDir}/${hostilePath.slice(2)}`)).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(await fetchVersion()).toBe('1');

    // Installing again is a no-op success: every step skipped, still one container.
    const rerun = await jobs.create(
      JobKind.DeploymentInstall,
      { deploymentId },
      { requestedBy: 'alice', serverId, deploymentId },
    );
    await succeeded(rerun);
    expect(Object.values(await stepsOf(rerun.id)).filter((s) => s === StepStatus.Skipped)).toHaveLength(6);
    expect(containersOf(deploymentId)).toEqual([row.containerName]);
    expect(inspect(row.containerName)?.['Id']).toBe(row.containerId);

    // Logs (busybox httpd -v logs each request of the health check).
    const logs = await deployments.logs(deploymentId, 20, 'alice');
    expect(logs).toMatch(/tomo-version|response|GET/i);

    // Stop, start, restart.
    await succeeded(await deployments.stop(deploymentId, 'alice'));
    expect(inspect(row.containerName)?.['State'].Running).toBe(false);
    expect((await deployments.get(deploymentId)).status).toBe(DeploymentStatus.Stopped);
    expect(await fetchVersion()).toBeNull();
    await succeeded(await deployments.start(deploymentId, 'alice'));
    expect(inspect(row.containerName)?.['State'].Running).toBe(true);
    expect((await deployments.get(deploymentId)).status).toBe(DeploymentStatus.Running);
    const startedAt = inspect(row.containerName)?.['State'].StartedAt as string;
    await succeeded(await deployments.restart(deploymentId, 'alice'));
    expect(inspect(row.containerName)?.['State'].StartedAt).not.toBe(startedAt);
    expect(await fetchVersion()).toBe('1');

    // Update to a good tag: a new container under the same name, serving v2.
    const update = await deployments.update(
      { deploymentId, imageTag: 'v2', config: { env: [{ name: 'GREETING', value: 'hi' }] } },
      'alice',
      Role.Admin,
    );
    await succeeded(update);
    const updated = await deployments.get(deploymentId);
    expect(updated).toMatchObject({ image: `${repo}:v2`, status: DeploymentStatus.Running, targetImage: null });
    expect(updated.containerId).not.toBe(row.containerId);
    expect(inspect(row.containerName)?.['Id']).toBe(updated.containerId);
    expect(inspect(row.containerName)?.['Config'].Image).toBe(`${repo}:v2`);
    expect(envIn(row.containerName, 'GREETING')).toBe('hi');
    expect(envIn(row.containerName, 'API_TOKEN')).toBe('s3cret-value');
    expect(containersOf(deploymentId)).toEqual([row.containerName]);
    expect(await fetchVersion()).toBe('2');

    // Update to an image whose health check fails: rolled back, the old container serves again.
    const bad = await finished(
      (await deployments.update({ deploymentId, imageTag: 'broken' }, 'alice', Role.Admin)).id,
    );
    expect(bad.status).toBe(JobStatus.Failed);
    expect(bad.errorCode).toBe(ErrorCode.HealthCheckFailed);
    expect(bad.errorMessage).toMatch(/Health check failed/);
    const badSteps = await stepsOf(bad.id);
    expect(badSteps).toMatchObject({
      'stop-old': StepStatus.Compensated,
      'health-check': StepStatus.Failed,
      swap: StepStatus.Pending,
    });
    expect(inspect(row.containerName)?.['Id']).toBe(updated.containerId);
    expect(inspect(row.containerName)?.['State'].Running).toBe(true);
    expect(containersOf(deploymentId)).toEqual([row.containerName]);
    expect(await deployments.get(deploymentId)).toMatchObject({
      image: `${repo}:v2`,
      containerId: updated.containerId,
    });
    expect(await waitFor(async () => (await fetchVersion()) === '2', 'the old container to serve again', 10_000)).toBe(
      true,
    );
    const rolledBack = await firstNotified(NotificationEvent.UpdateRolledBack);
    expect(rolledBack).toMatchObject({
      jobId: bad.id,
      deploymentId,
      serverId,
      details: { containerName: row.containerName, image: `${repo}:v2` },
    });
    expect(rolledBack.message).toContain(
      `Update of ${row.containerName} rolled back; it stays on ${repo}:v2: Health check failed`,
    );

    // A tag that does not exist: permanent at the pull, the old container never stopped.
    const missing = await finished(
      (await deployments.update({ deploymentId, imageTag: 'no-such-tag' }, 'alice', Role.Admin)).id,
    );
    expect(missing).toMatchObject({ status: JobStatus.Failed, errorCode: ErrorCode.NotFound });
    expect((await jobs.steps(missing.id)).find((s) => s.name === 'pull-image')?.attempts).toBe(1);
    expect(inspect(row.containerName)?.['Id']).toBe(updated.containerId);
    expect(await fetchVersion()).toBe('2');
    // Nothing was undone there: JOB_FAILED only, no second UPDATE_ROLLED_BACK.
    await waitFor(
      async () => (await notified(NotificationEvent.JobFailed)).some((n) => n.jobId === missing.id),
      'JOB_FAILED of the missing tag',
    );
    expect(await notified(NotificationEvent.UpdateRolledBack)).toHaveLength(1);

    // Reconciliation sees it running, then missing once removed behind its back.
    const reconcile = await succeeded(
      await jobs.create(JobKind.MaintenanceReconcileDeployments, {}, { requestedBy: null }),
    );
    expect(reconcile.result).toMatchObject({ checked: 1, changed: [] });
    docker(
      'run',
      '-d',
      '--name',
      `stray-${port}`,
      '--label',
      'tomo.deployment=nobody-knows-me',
      '--network',
      'none',
      `${testbed.images.v1}`,
      'sleep',
      '300',
    );
    // What an interrupted `docker create` of a deployment that is gone leaves: created, never started, ours.
    const orphanOf = randomUUID();
    const orphanLabels = [
      '--label',
      'tomo.managed=true',
      '--label',
      `tomo.deployment=${orphanOf}`,
      '--label',
      'tomo.app=test/orphan',
    ];
    docker(
      'create',
      '--name',
      `orphan-${port}`,
      ...orphanLabels,
      '--network',
      'none',
      `${testbed.images.v1}`,
      'sleep',
      '300',
    );
    // Ours too, but running: reported, left alone.
    docker(
      'run',
      '-d',
      '--name',
      `orphan-running-${port}`,
      ...orphanLabels,
      '--network',
      'none',
      `${testbed.images.v1}`,
      'sleep',
      '300',
    );
    try {
      docker('stop', '--time', '1', row.containerName);
      const second = await succeeded(
        await jobs.create(JobKind.MaintenanceReconcileDeployments, {}, { requestedBy: null }),
      );
      expect(second.result).toMatchObject({
        changed: [{ deploymentId, from: DeploymentStatus.Running, to: DeploymentStatus.Stopped }],
        unknownContainers: expect.arrayContaining([
          expect.objectContaining({
            container: `stray-${port}`,
            deploymentId: 'nobody-knows-me',
            state: 'running',
            removed: false,
          }),
          expect.objectContaining({
            container: `orphan-${port}`,
            deploymentId: orphanOf,
            state: 'created',
            removed: true,
          }),
          expect.objectContaining({
            container: `orphan-running-${port}`,
            deploymentId: orphanOf,
            state: 'running',
            removed: false,
          }),
        ]),
      });
      expect(inspect(`orphan-${port}`)).toBeNull();
      expect(inspect(`orphan-running-${port}`)?.['State'].Running).toBe(true);
      expect(inspect(`stray-${port}`)?.['State'].Running).toBe(true);
      const timeline = (await jobs.events(second.id)).map((e) => e.message).join('\n');
      expect(timeline).toContain(
        `orphan-${port} (created) is labelled tomo.deployment=${orphanOf}, which no deployment knows; removed it`,
      );
      // The app stopped behind the record's back: APP_CRASHED once, not again on the next tick.
      expect(second.result?.['crashed']).toEqual([
        { deploymentId, serverId, containerName: row.containerName, appId: row.appId, state: 'exited' },
      ]);
      expect(await firstNotified(NotificationEvent.AppCrashed)).toMatchObject({
        jobId: second.id,
        deploymentId,
        serverId,
        message: `App ${row.appId} (${row.containerName}) stopped: its container is exited`,
      });
      const third = await succeeded(
        await jobs.create(JobKind.MaintenanceReconcileDeployments, {}, { requestedBy: null }),
      );
      expect(third.result).toMatchObject({ changed: [], crashed: [] });
      expect(await notified(NotificationEvent.AppCrashed)).toHaveLength(1);
    } finally {
      tryDocker('rm', '-f', `stray-${port}`, `orphan-${port}`, `orphan-running-${port}`);
    }
    await succeeded(await deployments.start(deploymentId, 'alice'));

    // Uninstall with volumes: containers, volumes and the data directory are gone, and the record.
    await succeeded(await deployments.uninstall(deploymentId, true, 'alice'));
    expect(containersOf(deploymentId)).toEqual([]);
    expect(existsSync(deploymentDir)).toBe(false);
    expect(await deployments.find(deploymentId)).toBeNull();
    expect(await fetchVersion()).toBeNull();
    expect(existsSync(marker)).toBe(false);
  });

  it('a worker killed mid-install: another one resumes and the deployment ends with exactly one container', async () => {
    await stopWorker();
    const crashPort = await freePort();
    const appId = await addApp(
      `deploy-${randomBytes(3).toString('hex')}`,
      testAppYaml({ port: crashPort }),
      `${repo}:v1`,
    );
    const a = await forkWorker();
    const install = await deployments.install(
      { serverId, appId, config: { pullPolicy: PullPolicy.Always } },
      'alice',
      Role.Admin,
    );
    const deploymentId = install.deploymentId as string;
    // Kill as soon as the container exists: the job is in create-container, start-container or health-check.
    await waitFor(() => containersOf(deploymentId).length > 0, 'the container to be created', 60_000, 20);
    a.kill('SIGKILL');
    await new Promise((done) => a.once('exit', done));
    const interruptedAt =
      (await jobs.steps(install.id)).find((s) => s.status === StepStatus.Running)?.name ?? 'between steps';
    await forkWorker();
    const done = await succeeded(install);
    expect(done.status).toBe(JobStatus.Succeeded);
    const events = await jobs.events(install.id);
    expect(events.some((e) => e.type === 'job.resumed' || e.message.includes('interrupted'))).toBe(true);
    const row = await deployments.get(deploymentId);
    expect(containersOf(deploymentId)).toEqual([row.containerName]);
    expect(inspect(row.containerName)?.['State'].Running).toBe(true);
    expect(row.status).toBe(DeploymentStatus.Running);
    expect(interruptedAt).toBeDefined();
    await succeeded(await deployments.uninstall(deploymentId, true, 'alice'));
    expect(containersOf(deploymentId)).toEqual([]);
    expect(DEPLOYMENT_TEST_KINDS).toContain(JobKind.DeploymentInstall);
  });
});
