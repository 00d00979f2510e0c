import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { ErrorCode, JobKind, JobStatus, Role } from '@tomo/shared';
import { createWorkflowTestEnv, readTestbed, type TestbedState, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { type JobRow, JobsService, WorkflowWorkerModule } from '@tomo/workflows';
import { PRUNE_IMAGES_SCHEDULE, ServerAuthType, ServerStatus, ServersService } from '@tomo/servers';
import { ServerShellModule } from './server-shell.module';

const PROBE = 'tomo-prune-probe';

/**
 * The prune-images maintenance job on the testbed's real Docker engine, over its real sshd: only
 * servers that opted in are pruned, and only dangling images go.
 */
describe('prune-images (real sshd, real Docker engine)', () => {
  let testbed: TestbedState;
  let env: WorkflowTestEnv;
  let app: INestApplicationContext;
  let servers: ServersService;
  let jobs: JobsService;

  const docker = (args: string[], input?: string) =>
    execFileSync('docker', args, {
      encoding: 'utf8',
      input,
      env: { ...process.env, DOCKER_HOST: testbed.docker.host },
      stdio: ['pipe', 'pipe', 'pipe'],
    }).trim();
  const imageExists = (ref: string) => {
    try {
      docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
      return true;
    } catch {
      return false;
    }
  };
  /** A one-file image imported under the probe tag; importing again leaves the previous one dangling. */
  const importProbe = (content: string): string => {
    const tar = execFileSync('sh', [
      '-c',
      'd=$(mktemp -d) && printf %s "$1" > "$d/probe" && tar -C "$d" -c probe && rm -r "$d"',
      'sh',
      content,
    ]);
    return execFileSync('docker', ['import', '-', `${PROBE}:latest`], {
      input: tar,
      env: { ...process.env, DOCKER_HOST: testbed.docker.host },
    })
      .toString()
      .trim();
  };
  const run = async (input: { serverId?: string } = {}): Promise<JobRow> => {
    const job = await jobs.create(PRUNE_IMAGES_SCHEDULE.kind, input, { requestedBy: 'schedule:prune-images' });
    return waitFor(
      async () => {
        const current = await jobs.get(job.id);
        return current.finishedAt !== null && current;
      },
      'the prune-images job',
      60_000,
    );
  };
  const addServer = async (name: string, pruneImages: boolean) => {
    const { server, job } = await servers.add(
      {
        name,
        host: testbed.ssh.host,
        port: testbed.ssh.port,
        username: testbed.ssh.username,
        authType: ServerAuthType.Key,
        privateKey: readFileSync(testbed.ssh.privateKeyPath, 'utf8'),
        pruneImages,
      },
      'test',
    );
    await waitFor(async () => (await jobs.get(job.id)).finishedAt !== null, 'the connection test', 60_000);
    expect((await servers.get(server.id)).status).toBe(ServerStatus.Online);
    return server;
  };

  beforeAll(async () => {
    testbed = readTestbed();
    env = await createWorkflowTestEnv();
    @Module({
      imports: [
        TomoConfigModule.forRoot(env.config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('prune-images-test'),
        SecretsModule,
        ServerShellModule,
        WorkflowWorkerModule.forRoot({
          kinds: [
            JobKind.SystemPing,
            JobKind.MaintenancePruneJobs,
            JobKind.ServerTestConnection,
            JobKind.MaintenanceCollectServerMetrics,
            JobKind.MaintenancePruneImages,
          ],
          schedulePruning: false,
        }),
      ],
    })
    class TestRoot {}
    app = await NestFactory.createApplicationContext(TestRoot, { logger: ['error'] });
    await app.init();
    servers = app.get(ServersService);
    jobs = app.get(JobsService);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    if (testbed)
      for (const id of docker(['image', 'ls', '--quiet', PROBE]).split('\n').filter(Boolean))
        docker(['image', 'rm', '--force', id]);
  });

  it('leaves servers that did not opt in alone, then removes only dangling images where pruneImages is on', async () => {
    const dangling = importProbe('first');
    const tagged = importProbe('second');
    expect(dangling).not.toBe(tagged);
    expect(docker(['image', 'ls', '--filter', 'dangling=true', '--quiet', '--no-trunc'])).toContain(dangling);

    const plain = await addServer('no-prune', false);
    const skipped = await run();
    expect(skipped.status).toBe(JobStatus.Succeeded);
    expect(skipped.result).toEqual({ pruned: [], failed: [] });
    expect(imageExists(dangling)).toBe(true);
    // Asking for a server that has not opted in is an error that names the setting.
    const refused = await run({ serverId: plain.id });
    expect(refused.status).toBe(JobStatus.Failed);
    expect(refused.errorCode).toBe(ErrorCode.BadUserInput);
    expect(refused.errorMessage).toContain('pruneImages');
    expect(imageExists(dangling)).toBe(true);

    await servers.update(plain.id, { pruneImages: true }, 'test', Role.Operator);
    expect((await servers.get(plain.id)).pruneImages).toBe(true);
    const pruned = await run();
    expect(pruned.status).toBe(JobStatus.Succeeded);
    const result = pruned.result as { pruned: { server: string; deletedImages: number }[]; failed: string[] };
    expect(result.failed).toEqual([]);
    expect(result.pruned).toEqual([expect.objectContaining({ server: 'no-prune' })]);
    expect(result.pruned[0].deletedImages).toBeGreaterThanOrEqual(1);
    expect(imageExists(dangling)).toBe(false);
    expect(imageExists(tagged)).toBe(true);
  });
});
