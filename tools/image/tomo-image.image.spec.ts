import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deleteRedisKeys,
  gql,
  randomRedisPrefix,
  readTestbed,
  setupAdmin,
  TEST_REDIS_URL,
  waitFor,
} from '@tomo/testing';

const ROOT = join(__dirname, '..', '..');
const IMAGE = 'tomo:image-test';
const BASE_IMAGE = 'node:20-bookworm-slim';
/** What the Dockerfile may add on top of its base (issue 17), in Docker's MB (10^6 bytes). */
const MAX_ADDED_MB = 150;
const ADMIN = {
  username: 'admin',
  password: 'the image serves what the tree builds',
};
/** The SHUTDOWN_TIMEOUT_MS the containers get; `docker stop` waits a little longer before SIGKILL. */
const SHUTDOWN_TIMEOUT_MS = 20_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the Docker image', () => {
  const docker = (args: string[], timeoutMs = 60_000) =>
    execFileSync('docker', args, {
      cwd: ROOT,
      env: { ...process.env, DOCKER_HOST: readTestbed().docker.host },
      encoding: 'utf8',
      timeout: timeoutMs,
    }).trim();
  const containers: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-image-'));
  const prefix = randomRedisPrefix('image');

  afterAll(async () => {
    for (const id of containers)
      spawnSync('docker', ['rm', '-f', id], {
        env: { ...process.env, DOCKER_HOST: readTestbed().docker.host },
      });
    await deleteRedisKeys(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds, serves the API and runs a workflow on a worker from the image, and both exit 0 on SIGTERM', async () => {
    // No public registry here: the base image is a local stand-in under its official name.
    execFileSync('sh', [join(ROOT, 'tools/image/make-base-image.sh')], {
      env: { ...process.env, DOCKER_HOST: readTestbed().docker.host },
      stdio: 'inherit',
      timeout: 20 * 60_000,
    });
    // About 6 min on a quiet machine; far longer when the machine is shared (25 min were not enough once).
    docker(['build', '--network', 'host', '-t', IMAGE, '.'], 50 * 60_000);
    const size = (image: string) => Number(docker(['image', 'inspect', '--format', '{{.Size}}', image]));
    const addedMb = (size(IMAGE) - size(BASE_IMAGE)) / 1e6;
    console.log(
      `image ${IMAGE}: ${addedMb.toFixed(1)} MB on top of ${BASE_IMAGE}; layers:\n` +
        docker(['history', '--format', '{{.Size}}\t{{.CreatedBy}}', IMAGE]),
    );
    expect(addedMb).toBeLessThanOrEqual(MAX_ADDED_MB);

    // The image's user `node` (uid 1000) owns the data volume, as in compose's named volume.
    chownSync(dataDir, 1000, 1000);
    const port = await freePort();
    const env = [
      `REDIS_URL=${TEST_REDIS_URL}`,
      `TOMO_REDIS_PREFIX=${prefix}`,
      `SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}`,
      'LOG_LEVEL=warn',
    ].flatMap((e) => ['-e', e]);
    const run = (name: string, extra: string[], command: string[]) => {
      const id = docker([
        'run',
        '-d',
        '--name',
        `${prefix}-${name}`,
        '--network',
        'host',
        '-v',
        `${dataDir}:/data`,
        ...env,
        ...extra,
        IMAGE,
        ...command,
      ]);
      containers.push(id);
      return id;
    };
    const api = run('api', ['-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1'], []);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(`${url}/health/ready`).catch(() => null))?.ok,
      'the API in the image to be ready',
      120_000,
      500,
    );
    expect(docker(['exec', api, 'id', '-u'])).toBe('1000');
    // The console is served by the API.
    expect((await fetch(`${url}/`)).headers.get('content-type')).toContain('text/html');

    const worker = run('worker', ['-e', `METRICS_PORT=${await freePort()}`], ['node', 'dist/apps/worker/main.js']);
    const token = await setupAdmin(`${url}/graphql`, ADMIN);
    expect(token).toBeTruthy();
    const ping = await gql<{ pingSystem: { id: string } }>(
      `${url}/graphql`,
      'mutation { pingSystem { id } }',
      {},
      token,
    );
    const id = ping.data?.pingSystem.id ?? '';
    const status = await waitFor(
      async () => {
        const job = await gql<{ job: { status: string } }>(
          `${url}/graphql`,
          `{ job(id: "${id}") { status } }`,
          {},
          token,
        );
        const current = job.data?.job.status;
        return current === 'SUCCEEDED' || current === 'FAILED' ? current : undefined;
      },
      'pingSystem to finish on the worker in the image',
      120_000,
      500,
    );
    expect(status).toBe('SUCCEEDED');

    for (const container of [worker, api]) {
      // SIGTERM, then SIGKILL only after the grace period: exit code 0 means the process shut itself down.
      docker(['stop', '-t', String(SHUTDOWN_TIMEOUT_MS / 1000 + 10), container], 120_000);
      expect(docker(['inspect', '--format', '{{.State.ExitCode}}', container])).toBe('0');
    }
  });
});
