/**
 * `npm run chaos -- ssh-faults [--installs=6] [--servers=2] [--down-seconds=5] [--drops=5] [--max-seconds=600]`:
 * installs of the test app on servers that are throwaway sshds (the testbed's sshd_config, user and
 * Docker engine on their own port and host keys: the testbed's own sshd is never touched), one
 * fault after the other, each on its own sshd and servers, injected once the fault's installs are
 * under way:
 *   - `sshd-restart`: sshd stopped (listener and open connections), started again `--down-seconds` later; twice.
 *   - `connection-drop`: every open SSH connection dropped mid-command (SIGKILL to the listener's
 *     per-connection processes), `--drops` times, 2 s apart.
 *   - `host-key`: sshd stopped (open connections too) and started on the pinned port with another host key.
 * Jobs must retry and finish, or fail with the fault's code (SERVER_UNREACHABLE; HOST_KEY_MISMATCH):
 * `failedWithRightCode`, else `wrongCode` (another code, or not finished). Against the testbed's
 * engine once the jobs are done: `halfChanged` (a deployment of the fault whose containers do not
 * match its stored status — RUNNING with no running container, FAILED or MISSING with one, STOPPED
 * with a running one, still INSTALLING, more than one container — unless its job reported an undo
 * that could not be done: `reportedLeftovers`) and `orphanContainers` (labelled containers of no
 * deployment) must be 0.
 *
 * Needs the testbed (`npm run testbed -- up`) and the built API + worker. One JSON line on stdout;
 * exit 1 when a figure that must be 0 is not, or an API or worker process exited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gqlOk, readTestbed, TEST_REDIS_URL, ThrowawaySshd } from '@tomo/testing';
import { startTomo } from '../../apps/e2e/src/support/tomo-stack';
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

const progress = progressOf('ssh-faults');
const INSTALLS = numberArg('installs', 6);
const SERVERS = numberArg('servers', 2);
const DOWN_SECONDS = numberArg('down-seconds', 5);
const DROPS = numberArg('drops', 5);
const MAX_SECONDS = numberArg('max-seconds', 600);

const FAULTS = ['sshd-restart', 'connection-drop', 'host-key'] as const;
type Fault = (typeof FAULTS)[number];
/** The codes a job may fail with under each fault: what the fault is. */
const RIGHT_CODES: Record<Fault, readonly string[]> = {
  'sshd-restart': ['SERVER_UNREACHABLE'],
  'connection-drop': ['SERVER_UNREACHABLE'],
  // Stopping the sshd drops the open connections first: a step on its last attempt then ends so.
  'host-key': ['HOST_KEY_MISMATCH', 'SERVER_UNREACHABLE'],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Breaks the fault's sshd while its installs run; returns what was done. */
async function inject(fault: Fault, sshd: ThrowawaySshd): Promise<Record<string, number>> {
  switch (fault) {
    case 'sshd-restart':
      // stop() ends the open connections too, as the machine going down would.
      for (let i = 0; i < 2; i++) {
        await sshd.stop();
        await sleep(DOWN_SECONDS * 1000);
        await sshd.start('a');
        await sleep(3_000);
      }
      return { sshdRestarts: 2 };
    case 'connection-drop': {
      let dropped = 0;
      for (let i = 0; i < DROPS; i++) {
        dropped += sshd.dropConnections();
        await sleep(2_000);
      }
      return { drops: DROPS, droppedConnections: dropped };
    }
    case 'host-key':
      await sshd.stop();
      await sshd.start('b');
      return { rekeyed: 1 };
  }
}

type Container = ReturnType<typeof managedContainers>[number];

/** Whether a deployment's containers contradict its stored status, all its jobs being finished. */
function contradicts(status: string, containers: Container[]): boolean {
  if (containers.length > 1) return true;
  const [container] = containers;
  switch (status) {
    case 'RUNNING':
      return container?.state !== 'running';
    case 'UNHEALTHY':
      return !container;
    case 'STOPPED':
      return !container || container.state === 'running';
    case 'FAILED':
    case 'MISSING':
      return Boolean(container);
    default:
      return true; // INSTALLING, UNINSTALLING: stuck
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const testbed = readTestbed();
  const left = removeManagedContainers(testbed);
  if (left > 0) progress(`removed ${left} labelled containers of earlier runs from the testbed`);
  // One sshd per fault, in the order of FAULTS.
  const sshds = await Promise.all(FAULTS.map(() => ThrowawaySshd.create(testbed)));
  for (const sshd of sshds) await sshd.start('a');
  progress('starting the built API and two workers');
  const stack = await startTomo({ worker: true, console: false });
  const marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-chaos-marketplace-'));
  const perFault: Partial<Record<Fault, Record<string, unknown>>> = {};
  const counted = new Set<string>();
  let exitedProcesses: string[] = [];
  try {
    await stack.startWorker();
    const fixture = await installFixture(stack, marketplaceDir, {
      apps: INSTALLS * FAULTS.length,
      servers: SERVERS * FAULTS.length,
      password: 'chaos ssh-faults passphrase',
      sshPorts: sshds.flatMap((sshd) => Array.from({ length: SERVERS }, () => sshd.port)),
    });

    for (const [f, fault] of FAULTS.entries()) {
      const phaseStarted = Date.now();
      const jobIds = await Promise.all(
        Array.from({ length: INSTALLS }, (_, k) =>
          installApp(
            stack,
            fixture.token,
            fixture.serverIds[f * SERVERS + (k % SERVERS)],
            fixture.appIds[f * INSTALLS + k],
          ),
        ),
      );
      let jobs: StoredJob[] = [];
      const load = async () => (jobs = await Promise.all(jobIds.map((id) => storedJob(stack, fixture.token, id))));
      // Under way: a step of some install has succeeded.
      await poll(`${fault}: the installs to be under way`, MAX_SECONDS, async () =>
        (await load()).some((job) => job.events.some((event) => event.type === 'step.succeeded')) ? true : undefined,
      );
      const finishedBeforeFault = jobs.filter((job) => TERMINAL.has(job.status)).length;
      progress(
        `${fault}: ${finishedBeforeFault}/${INSTALLS} finished, ${jobs.filter((job) => job.status === 'RUNNING').length} running: injecting`,
      );
      const done = await inject(fault, sshds[f]);
      let timedOut = false;
      await poll(`${fault}: the installs`, MAX_SECONDS, async () => {
        const finished = (await load()).filter((job) => TERMINAL.has(job.status)).length;
        progress(`${fault}: ${finished}/${INSTALLS} finished`);
        return finished === INSTALLS ? true : undefined;
      }).catch(() => (timedOut = true));

      const { deployments } = await gqlOk<{ deployments: { id: string; status: string }[] }>(
        stack,
        '{ deployments { id status } }',
        {},
        fixture.token,
      );
      const containers = managedContainers(testbed);
      const known = new Set(deployments.map((d) => d.id));
      const orphans = containers.filter((c) => !known.has(c.deploymentId) && !counted.has(c.id));
      for (const orphan of orphans) counted.add(orphan.id);
      let halfChanged = 0;
      let reportedLeftovers = 0;
      const mismatches: string[] = [];
      for (const job of jobs) {
        const deployment = deployments.find((d) => d.id === job.deploymentId);
        if (!deployment) continue;
        const own = containers.filter((c) => c.deploymentId === deployment.id);
        if (!contradicts(deployment.status, own)) continue;
        mismatches.push(`${deployment.status}/${own.map((c) => c.state).join('+') || 'none'}`);
        if (job.events.some((event) => event.type === 'step.compensation-failed')) reportedLeftovers++;
        else halfChanged++;
      }
      const failed = jobs.filter((job) => job.status === 'FAILED');
      const failedWithRightCode = failed.filter(
        (job) => job.error && RIGHT_CODES[fault].includes(job.error.code),
      ).length;
      const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
      const codes: Record<string, number> = {};
      const failedSteps: Record<string, number> = {};
      for (const job of failed) {
        count(codes, job.error?.code ?? 'NONE');
        for (const step of job.steps.filter((s) => s.status === 'FAILED'))
          count(failedSteps, `${step.name} after ${step.attempts} attempts`);
      }
      perFault[fault] = {
        total: INSTALLS,
        succeeded: jobs.filter((job) => job.status === 'SUCCEEDED').length,
        failedWithRightCode,
        wrongCode: INSTALLS - jobs.filter((job) => job.status === 'SUCCEEDED').length - failedWithRightCode,
        halfChanged,
        orphanContainers: orphans.length,
        reportedLeftovers,
        failureCodes: codes,
        failedSteps,
        retriedJobs: jobs.filter((job) => job.events.some((event) => event.type === 'step.retrying')).length,
        finishedBeforeFault,
        ...done,
        mismatches,
        timedOut,
        seconds: Math.round((Date.now() - phaseStarted) / 1000),
      };
      progress(`${fault}: ${JSON.stringify(perFault[fault])}`);
    }
  } finally {
    exitedProcesses = stack.exitedProcesses();
    await stack.stop();
    rmSync(marketplaceDir, { recursive: true, force: true });
    for (const sshd of sshds) await sshd.dispose();
    removeManagedContainers(testbed);
  }

  const all = Object.values(perFault);
  const sum = (key: string) => all.reduce((total, figures) => total + Number(figures[key]), 0);
  const figures = {
    total: sum('total'),
    succeeded: sum('succeeded'),
    failedWithRightCode: sum('failedWithRightCode'),
    wrongCode: sum('wrongCode'),
    halfChanged: sum('halfChanged'),
    orphanContainers: sum('orphanContainers'),
    faults: perFault,
    exitedProcesses,
    seconds: Math.round((Date.now() - started) / 1000),
    env: await runEnv(TEST_REDIS_URL),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  if (
    all.length !== FAULTS.length ||
    figures.wrongCode + figures.halfChanged + figures.orphanContainers > 0 ||
    exitedProcesses.length > 0
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
