/**
 * `npm run chaos -- worker-crash [--installs=50] [--servers=5] [--kill-every=5] [--max-seconds=900]`:
 * installs of the test app (each its own app id and host port, spread over several servers that
 * are the testbed's sshd under different names) run by two worker processes, while every few
 * seconds a random worker is killed with SIGKILL and a new one started. Then, from the stored jobs
 * and the testbed's engine: `duplicateContainers` (deployments with more than one container),
 * `reexecutedSteps` (a step started again after it had succeeded), `orphanContainers` (labelled
 * containers of no deployment of the run), `maxStallSeconds` (the longest gap between two events
 * of one job: a takeover shows here). All containers are removed at the end.
 *
 * Needs the testbed (`npm run testbed -- up`) and the built API + worker; removes the labelled
 * containers left on the testbed by earlier runs first. One JSON line on stdout; exit 1 when a
 * figure that must be 0 is not, or an install did not succeed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gqlOk, readTestbed, TEST_REDIS_URL } from '@tomo/testing';
import { startTomo, type TomoProcess } from '../../apps/e2e/src/support/tomo-stack';
import {
  installApp,
  installFixture,
  managedContainers,
  poll,
  removeManagedContainers,
  type StoredJob,
  storedJob,
  TERMINAL,
} from './support/install-fixture';
import { numberArg, progress as progressOf, runEnv } from './support/run-env';

const progress = progressOf('worker-crash');
const INSTALLS = numberArg('installs', 50);
const SERVERS = numberArg('servers', 5);
const KILL_EVERY_SECONDS = numberArg('kill-every', 5);
const MAX_SECONDS = numberArg('max-seconds', 900);
/** How soon a live worker takes over the job of a killed one (the platform's default is 15 s). */
const STALL_TIMEOUT_MS = 5_000;

const alive = (worker: TomoProcess) => worker.child.exitCode === null && worker.child.signalCode === null;

/** Steps started again after they had succeeded: finished work run twice. */
function reexecutedSteps(job: StoredJob): number {
  const succeeded = new Set<string>();
  let count = 0;
  for (const event of [...job.events].sort((a, b) => a.seq - b.seq)) {
    if (!event.step) continue;
    if (event.type === 'step.succeeded') succeeded.add(event.step);
    if (event.type === 'step.started' && succeeded.has(event.step)) count++;
  }
  return count;
}

/** The longest time, in seconds, between two consecutive events of the job. */
function maxGapSeconds(job: StoredJob): number {
  const times = job.events.map((event) => Date.parse(event.at)).sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  return gap / 1000;
}

async function main(): Promise<void> {
  const started = Date.now();
  const left = removeManagedContainers(readTestbed());
  if (left > 0) progress(`removed ${left} labelled containers of earlier runs from the testbed`);
  progress('starting the built API and two workers');
  const stack = await startTomo({
    worker: true,
    console: false,
    env: { JOB_STALL_TIMEOUT_MS: String(STALL_TIMEOUT_MS) },
  });
  const marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-chaos-marketplace-'));
  let kills = 0;
  let jobs: StoredJob[] = [];
  let timedOut = false;
  let figuresOfEngine = { duplicateContainers: 0, orphanContainers: 0, containers: 0 };
  try {
    await stack.startWorker();
    const fixture = await installFixture(stack, marketplaceDir, {
      apps: INSTALLS,
      servers: SERVERS,
      password: 'chaos worker-crash passphrase',
    });
    progress(`${INSTALLS} installs on ${SERVERS} servers; a worker killed every ${KILL_EVERY_SECONDS} s`);
    const jobIds = await Promise.all(
      fixture.appIds.map((appId, i) => installApp(stack, fixture.token, fixture.serverIds[i % SERVERS], appId)),
    );

    let finished = false;
    const chaos = (async () => {
      while (!finished) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_SECONDS * 1000));
        if (finished) break;
        const live = stack.workers.filter(alive);
        const victim = live[Math.floor(Math.random() * live.length)];
        victim.child.kill('SIGKILL');
        await victim.exited;
        kills++;
        await stack.startWorker();
      }
    })();
    try {
      await poll('the installs', MAX_SECONDS, async () => {
        jobs = await Promise.all(jobIds.map((id) => storedJob(stack, fixture.token, id)));
        const done = jobs.filter((job) => TERMINAL.has(job.status)).length;
        progress(`${done}/${jobIds.length} finished, ${kills} kills`);
        return done === jobIds.length ? true : undefined;
      });
    } catch {
      timedOut = true;
    } finally {
      finished = true;
      await chaos;
    }

    const { deployments } = await gqlOk<{ deployments: { id: string }[] }>(
      stack,
      '{ deployments { id } }',
      {},
      fixture.token,
    );
    const known = new Set(deployments.map((d) => d.id));
    const containers = managedContainers(fixture.testbed);
    const perDeployment = new Map<string, number>();
    for (const { deploymentId } of containers)
      perDeployment.set(deploymentId, (perDeployment.get(deploymentId) ?? 0) + 1);
    figuresOfEngine = {
      duplicateContainers: [...perDeployment.values()].filter((count) => count > 1).length,
      orphanContainers: containers.filter((c) => !known.has(c.deploymentId)).length,
      containers: containers.length,
    };
  } finally {
    await stack.stop();
    rmSync(marketplaceDir, { recursive: true, force: true });
    removeManagedContainers(readTestbed());
  }

  const figures = {
    total: INSTALLS,
    succeeded: jobs.filter((job) => job.status === 'SUCCEEDED').length,
    failed: jobs.filter((job) => job.status === 'FAILED' || job.status === 'CANCELLED').length,
    unfinished: jobs.filter((job) => !TERMINAL.has(job.status)).length,
    duplicateContainers: figuresOfEngine.duplicateContainers,
    reexecutedSteps: jobs.reduce((sum, job) => sum + reexecutedSteps(job), 0),
    orphanContainers: figuresOfEngine.orphanContainers,
    maxStallSeconds: Math.round(Math.max(0, ...jobs.map(maxGapSeconds)) * 10) / 10,
    resumedJobs: jobs.filter((job) => job.events.some((event) => event.type === 'job.resumed')).length,
    containers: figuresOfEngine.containers,
    kills,
    servers: SERVERS,
    killEverySeconds: KILL_EVERY_SECONDS,
    stallTimeoutMs: STALL_TIMEOUT_MS,
    seconds: Math.round((Date.now() - started) / 1000),
    timedOut,
    env: await runEnv(TEST_REDIS_URL),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  if (
    figures.succeeded !== figures.total ||
    figures.duplicateContainers + figures.reexecutedSteps + figures.orphanContainers > 0
  )
    process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
