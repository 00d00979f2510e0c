import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPostgresTestDatabase,
  createUser,
  errorCodes,
  gql,
  gqlOk,
  readTestbed,
  setupAdmin,
  type TestbedState,
  waitFor,
  wsClient,
} from '@tomo/testing';
import type { Client } from 'graphql-ws';
import { DataSource } from 'typeorm';
import { testbedServerInput } from '../support/testbed-app';
import { freePort, startTomo, type TomoApi, type TomoProcess, type TomoStack } from '../support/tomo-stack';
import { WORKSPACE_ROOT } from '../support/workspace';

jest.setTimeout(300_000);

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
/** How soon a worker takes over the job of a killed one (the default is 15 s). */
const STALL_TIMEOUT_MS = 5_000;
/** The metrics schedule's interval during the test (the platform's is 60 s). */
const TICK_SECONDS = 2;
/** Failed sign-ins of one user before the lock-out (the default is 5). */
const MAX_LOGIN_FAILURES = 3;
const TEST_APP_YAML = join(WORKSPACE_ROOT, 'libs/marketplace/test-apps/apps/utility/busybox-httpd/app.yaml');

interface JobEvent {
  seq: number;
  type: string;
  step: string | null;
  message: string;
  status: string;
  at: string;
}
interface JobSteps {
  status: string;
  steps: { name: string; status: string; attempts: number }[];
  events: JobEvent[];
}

/** A live subscription that records every result until it completes. */
function follow<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: T[] = [];
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<T[]>((resolve, reject) => {
    fail = reject;
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) =>
          result.errors ? reject(new Error(JSON.stringify(result.errors))) : results.push(result.data as T),
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(results),
      },
    );
  });
  done.catch(() => undefined); // awaited by the test; a failure before that must not go unhandled
  return { results, done, fail };
}

/** Every event once, in order: seq 1, 2, 3, … with nothing missing, nothing twice. */
function expectEveryEventOnceInOrder(events: readonly JobEvent[], stored: readonly JobEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.map((e) => [e.seq, e.type, e.step])).toEqual(stored.map((e) => [e.seq, e.type, e.step]));
}

/**
 * Scale-out on the built apps: two API replicas and two workers on one Postgres database and one
 * Redis, sharing nothing else but the master key (each has its own data directory), with the
 * testbed as the server. Figures are printed, never asserted.
 */
describe('scale-out: two API replicas and two workers on Postgres', () => {
  let testbed: TestbedState;
  let database: { url: string; drop(): Promise<void> };
  let tomo: TomoStack;
  let apiA: TomoApi;
  let apiB: TomoApi;
  let token: string;
  let serverId: string;
  let wsB: Client;
  let scheduleWindowStart: number;
  /** The test's own connection, to set up what no API changes and to count connections. */
  let db: DataSource;
  const scratch = mkdtempSync(join(tmpdir(), 'tomo-scale-'));
  const figures: string[] = [];

  const call = <T>(api: TomoApi, query: string, variables: Record<string, unknown> = {}) =>
    gqlOk<T>(api, query, variables, token);
  const docker = (...args: string[]) =>
    execFileSync('docker', args, {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: testbed.docker.host },
    }).trim();
  const jobOf = (api: TomoApi, id: string) =>
    call<{ job: JobSteps }>(
      api,
      'query($id: ID!) { job(id: $id) { status steps { name status attempts } events { seq type step message status at } } }',
      { id },
    ).then((r) => r.job);
  const workerOf = (message: string): TomoProcess => {
    const pid = Number(/ on worker [^:]+:(\d+)/.exec(message)?.[1]);
    const worker = tomo.workers.find((w) => w.child.pid === pid);
    if (!worker) throw new Error(`"${message}" names no worker of this stack`);
    return worker;
  };
  const kill = async (process: TomoProcess) => {
    process.child.kill('SIGKILL');
    await process.exited;
  };

  /**
   * A marketplace repository (a local git repository) with the test app twice: `fast` as it is,
   * `slow` starting its web server 6 s late, so that its health check step runs long enough to
   * kill the worker in the middle of it. Each on a free port of its own.
   */
  async function writeTestApps(): Promise<string> {
    const yaml = readFileSync(TEST_APP_YAML, 'utf8');
    const dir = join(scratch, 'apps');
    for (const [id, command] of [
      ['fast', (port: number) => `httpd -f -v -p ${port} -h /etc`],
      ['slow', (port: number) => `sh -c 'sleep 6 && exec httpd -f -v -p ${port} -h /etc'`],
    ] as const) {
      const port = await freePort();
      const app = yaml
        .replace(/^id: .*$/m, `id: ${id}`)
        .replace(/^ {2}command: .*$/m, `  command: ${JSON.stringify(command(port))}`)
        .replaceAll('18080', String(port));
      mkdirSync(join(dir, 'apps', 'utility', id), { recursive: true });
      writeFileSync(join(dir, 'apps', 'utility', id, 'app.yaml'), app);
    }
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
    git('commit', '--quiet', '-m', 'test apps');
    return dir;
  }

  const finished = (api: TomoApi, jobId: string) =>
    waitFor(
      async () => {
        const job = await jobOf(api, jobId);
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) && job;
      },
      `job ${jobId} to finish`,
      120_000,
      250,
    );
  const succeeded = async (api: TomoApi, jobId: string) => {
    const job = await finished(api, jobId);
    if (job.status !== 'SUCCEEDED')
      throw new Error(
        `job ${jobId} ${job.status}:\n${job.events.map((e) => `${e.step ?? '-'} ${e.type} ${e.message}`).join('\n')}`,
      );
    return job;
  };

  beforeAll(async () => {
    testbed = readTestbed();
    // The test app's image name, on the testbed engine (the install then needs no pull).
    docker('pull', '--quiet', testbed.images.v1);
    docker('tag', testbed.images.v1, 'tomo/busybox:v1');

    database = await createPostgresTestDatabase();
    // Both replicas start at once on the empty database: they take turns on the migrations.
    tomo = await startTomo({
      apis: 2,
      databaseUrl: database.url,
      env: {
        JOB_STALL_TIMEOUT_MS: String(STALL_TIMEOUT_MS),
        LOGIN_MAX_FAILURES: String(MAX_LOGIN_FAILURES),
      },
    });
    [apiA, apiB] = tomo.apis;
    // The interval is stored (no API changes it): shortened before the workers install the schedulers.
    db = new DataSource({ type: 'postgres', url: database.url });
    await db.initialize();
    await db.query(`UPDATE schedule SET "everySeconds" = $1 WHERE name = 'collect-server-metrics'`, [TICK_SECONDS]);
    // From here the schedulers may tick: the first worker installs them.
    scheduleWindowStart = Date.now();
    await tomo.startWorker();
    await tomo.startWorker();

    // Signed in on A; B accepts the token (the signing key derives from the shared master key).
    token = await setupAdmin(apiA, ADMIN);
    wsB = wsClient(`${apiB.baseUrl.replace('http', 'ws')}/graphql`, token);
    const { addServer } = await call<{ addServer: { id: string } }>(
      apiA,
      'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
      { input: testbedServerInput(testbed, 'PASSWORD') },
    );
    serverId = addServer.id;
    const repo = await call<{ addMarketplaceRepo: { id: string } }>(
      apiA,
      'mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { id } }',
      {
        input: { name: 'scale', url: await writeTestApps(), branch: 'main' },
      },
    );
    const sync = await call<{ syncMarketplaceRepo: { id: string } }>(
      apiA,
      'mutation($id: ID!) { syncMarketplaceRepo(id: $id) { id } }',
      { id: repo.addMarketplaceRepo.id },
    );
    await succeeded(apiA, sync.syncMarketplaceRepo.id);
    await waitFor(
      async () =>
        (
          await call<{ server: { status: string } }>(apiB, 'query($id: ID!) { server(id: $id) { status } }', {
            id: serverId,
          })
        ).server.status === 'ONLINE',
      'the server to be online',
      60_000,
      250,
    );
    const [{ connections }] = await db.query(
      'SELECT count(*)::int AS connections FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    figures.push(`Postgres connections held by the 2 APIs and 2 workers after setup: ${connections}`);
  });

  afterAll(async () => {
    await wsB?.dispose();
    if (db?.isInitialized) await db.destroy();
    if (testbed) {
      for (const container of docker('ps', '-aq', '--filter', `label=tomo.app`).split('\n').filter(Boolean)) {
        const app = docker('inspect', '--format', '{{index .Config.Labels "tomo.app"}}', container);
        if (app.startsWith('scale/')) docker('rm', '-f', container);
      }
    }
    await tomo?.stop();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
    if (figures.length > 0)
      console.log(`scale-out figures (2 API replicas, 2 workers, Postgres):\n  ${figures.join('\n  ')}`);
  });

  it('shares sign-in state: a session from A works on B, revoked on B it ends on A, and failures on both add up to the lock-out', async () => {
    const olivia = {
      username: 'olivia',
      password: 'staple battery horse correct',
    };
    await createUser(apiA, token, { ...olivia, role: 'OPERATOR' });
    const login = (api: TomoApi, password: string) =>
      gql<{ login: { token: string } }>(
        `${api.baseUrl}/graphql`,
        'mutation($input: LoginInput!) { login(input: $input) { token } }',
        { input: { username: olivia.username, password } },
      );
    const me = (api: TomoApi, bearer: string) =>
      gql<{ me: { username: string } }>(`${api.baseUrl}/graphql`, '{ me { username } }', {}, bearer);

    const session = (await login(apiA, olivia.password)).data?.login.token ?? '';
    expect((await me(apiB, session)).data?.me.username).toBe('olivia');
    const { sessions } = await call<{
      sessions: { id: string; username: string }[];
    }>(apiB, '{ sessions { id username } }');
    const ids = sessions.filter((s) => s.username === 'olivia').map((s) => s.id);
    expect(ids).toHaveLength(1);
    await call(apiB, 'mutation($id: ID!) { revokeSession(id: $id) }', {
      id: ids[0],
    });
    expect(errorCodes(await me(apiA, session))).toEqual(['UNAUTHENTICATED']);

    for (let i = 0; i < MAX_LOGIN_FAILURES; i++) {
      expect(errorCodes(await login(i % 2 === 0 ? apiA : apiB, 'wrong password, wrong replica'))).toEqual([
        'UNAUTHENTICATED',
      ]);
    }
    expect(errorCodes(await login(apiB, olivia.password))).toEqual(['RATE_LIMITED']);
    expect(errorCodes(await login(apiA, olivia.password))).toEqual(['RATE_LIMITED']);
  });

  it('installs through API A while B streams the job; A is killed mid-job and the job still finishes', async () => {
    const updates = follow<{ jobUpdated: { id: string; status: string } }>(
      wsB,
      'subscription { jobUpdated { id status } }',
    );
    const startedAt = Date.now();
    // The same request sent to both replicas at once (a client retrying through the proxy): one job.
    const input = {
      serverId,
      appId: 'scale/fast',
      config: { pullPolicy: 'IF_MISSING' },
      idempotencyKey: 'scale-install-fast',
    };
    const install = (api: TomoApi) =>
      call<{ installApp: { id: string; deploymentId: string } }>(
        api,
        'mutation($input: InstallAppInput!) { installApp(input: $input) { id deploymentId } }',
        { input },
      );
    const [{ installApp: job }, { installApp: twin }] = await Promise.all([install(apiA), install(apiB)]);
    expect(twin).toEqual(job);
    const stream = follow<{ jobEvents: JobEvent }>(
      wsB,
      'subscription($id: ID!) { jobEvents(jobId: $id, afterSeq: 0) { seq type step message status at } }',
      { id: job.id },
    );

    // A dies once a worker has the job: nothing of the run lives in the API that created it.
    await waitFor(() => stream.results.some((r) => r.jobEvents.type === 'job.started'), 'the job to start', 60_000);
    await kill(apiA.process);
    const killedAt = Date.now();
    const events = (await stream.done).map((r) => r.jobEvents);
    figures.push(
      `install (8 steps, image present) through API A, streamed on API B: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );

    expect(events.at(-1)).toMatchObject({
      type: 'job.succeeded',
      status: 'SUCCEEDED',
    });
    // A was gone before the job ended (the worker's clock is this machine's).
    expect(Date.parse(events.at(-1)?.at ?? '')).toBeGreaterThan(killedAt);
    const stored = await jobOf(apiB, job.id);
    expect(stored.status).toBe('SUCCEEDED');
    expectEveryEventOnceInOrder(events, stored.events);
    // jobUpdated on B saw the job A created, up to its end.
    await waitFor(
      () => updates.results.some((r) => r.jobUpdated.id === job.id && r.jobUpdated.status === 'SUCCEEDED'),
      'jobUpdated on B to report the finished job',
      10_000,
    );
    const { deployment } = await call<{ deployment: { status: string } }>(
      apiB,
      'query($id: ID!) { deployment(id: $id) { status } }',
      { id: job.deploymentId },
    );
    expect(deployment.status).toBe('RUNNING');
    const { deployments } = await call<{ deployments: { appId: string }[] }>(
      apiB,
      'query($id: ID) { deployments(serverId: $id) { appId } }',
      { id: serverId },
    );
    expect(deployments.filter((d) => d.appId === 'scale/fast')).toHaveLength(1);
  });

  it('a worker killed mid-step: the other one resumes the job and no finished step runs again', async () => {
    const { installApp: job } = await call<{ installApp: { id: string } }>(
      apiB,
      'mutation($input: InstallAppInput!) { installApp(input: $input) { id } }',
      {
        input: {
          serverId,
          appId: 'scale/slow',
          config: { pullPolicy: 'IF_MISSING' },
        },
      },
    );
    const stream = follow<{ jobEvents: JobEvent }>(
      wsB,
      'subscription($id: ID!) { jobEvents(jobId: $id, afterSeq: 0) { seq type step message status at } }',
      { id: job.id },
    );
    // The health check waits for a web server that starts 6 s late: the step is surely running.
    await waitFor(
      () => stream.results.some((r) => r.jobEvents.type === 'step.started' && r.jobEvents.step === 'health-check'),
      'the health check to start',
      60_000,
    );
    const started = stream.results.find((r) => r.jobEvents.type === 'job.started');
    if (!started) throw new Error('no job.started event before the health check');
    const victim = workerOf(started.jobEvents.message);
    await kill(victim);
    const killedAt = Date.now();

    const events = (await stream.done).map((r) => r.jobEvents);
    const resumed = events.find((e) => e.type === 'job.resumed');
    if (!resumed)
      throw new Error(`the job was not resumed:\n${events.map((e) => `${e.type} ${e.message}`).join('\n')}`);
    figures.push(
      `takeover after SIGKILL of the worker mid-step (JOB_STALL_TIMEOUT_MS=${STALL_TIMEOUT_MS}): ${((Date.parse(resumed.at) - killedAt) / 1000).toFixed(1)} s`,
    );
    expect(workerOf(resumed.message)).not.toBe(victim);
    expect(events.at(-1)).toMatchObject({
      type: 'job.succeeded',
      status: 'SUCCEEDED',
    });

    const stored = await jobOf(apiB, job.id);
    expectEveryEventOnceInOrder(events, stored.events);
    // Steps finished before the kill ran once: one attempt each and one start on the timeline.
    const interrupted = stored.steps.findIndex((s) => s.name === 'health-check');
    for (const step of stored.steps.slice(0, interrupted)) {
      const starts = stored.events.filter((e) => e.type === 'step.started' && e.step === step.name).length;
      expect({ step: step.name, attempts: step.attempts, starts }).toEqual({
        step: step.name,
        attempts: 1,
        starts: 1,
      });
    }
    const afterResume = stored.events
      .filter((e) => e.seq > resumed.seq && e.type === 'step.started')
      .map((e) => e.step);
    expect(afterResume[0]).toBe('health-check');
    expect(stored.steps.every((s) => s.status === 'SUCCEEDED' || s.status === 'SKIPPED')).toBe(true);
  });

  it('the metrics schedule ticks once per interval across the two workers and two APIs', async () => {
    const { jobs } = await call<{
      jobs: {
        edges: {
          node: { idempotencyKey: string | null; requestedBy: string | null };
        }[];
      };
    }>(
      apiB,
      '{ jobs(filter: {kind: "maintenance.collect-server-metrics"}, first: 500) { edges { node { idempotencyKey requestedBy } } } }',
    );
    const windowSeconds = (Date.now() - scheduleWindowStart) / 1000;
    const ticks = jobs.edges.map((e) => e.node).filter((n) => n.requestedBy === 'schedule:collect-server-metrics');
    const slots = ticks.map((n) => Number(/:(\d+)$/.exec(n.idempotencyKey ?? '')?.[1]));
    figures.push(`metrics schedule every ${TICK_SECONDS} s over ${windowSeconds.toFixed(0)} s: ${ticks.length} runs`);
    // One run per tick, one tick per interval: distinct slots, at least one interval apart.
    expect(new Set(slots).size).toBe(slots.length);
    const sorted = [...slots].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(TICK_SECONDS * 1000);
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.length).toBeLessThanOrEqual(Math.floor(windowSeconds / TICK_SECONDS) + 1);
  });
});
