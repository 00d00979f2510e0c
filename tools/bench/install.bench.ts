/**
 * `npm run bench -- install [--installs=20]`: installs of the test app (busybox httpd, host
 * network, one port each) on the testbed through Tomo's GraphQL API, against the same docker
 * commands scripted over OpenSSH multiplexed on one ControlMaster connection. Needs the testbed
 * (`npm run testbed -- up`) and the built API + worker (`npx nx run-many -t build -p api worker`).
 *
 * Tomo: `installApp` called → the job's final event received on a `jobEvents` subscription.
 * Script: what a careful shell script runs for this app, one `ssh` each: engine there
 * (`docker version`), image present (`docker image inspect`), `docker create` with the app's
 * settings, `docker start`, the same 500 ms grace Tomo gives a new container, `docker container
 * inspect` (running?) and the app's HTTP health probe (curl) — policy alike, orchestration apart.
 * The two alternate (Tomo first on even installs), each install its own app and port.
 *
 * Overhead = Tomo − script per pair. Its breakdown, from the job's stored events: `engine` = the
 * time outside steps (request → job.started, between steps, the final event's delivery, each
 * also given); `docker` = the
 * script's time less its SSH (commands × the ControlMaster cost of `true`, measured in the run):
 * the docker work both sides wait for; `sshAndChecks` = time in steps less `docker`: the pool's
 * transport and the remote checks Tomo makes that the script skips (preflight, inspects).
 * One JSON line on stdout; every labelled container is removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTestbed, TEST_REDIS_URL, wsClient } from '@tomo/testing';
import { startTomo } from '../../apps/e2e/src/support/tomo-stack';
import {
  installApp,
  installFixture,
  removeManagedContainers,
  type StoredEvent,
  storedJob,
  TERMINAL,
} from '../chaos/support/install-fixture';
import { numberArg, runEnv } from '../chaos/support/run-env';
import { OpenSsh } from './support/openssh';
import { epochMs, median, percentile, round, sleep } from './support/stats';

const INSTALLS = numberArg('installs', 20);
/** The script's containers: host ports clear of the fixture's (21,000 + install). */
const SCRIPT_FIRST_PORT = 21_500;
const IMAGE = 'tomo/busybox:v1';
const HEALTH_GRACE_MS = 500;
const TIMEOUT_MS = 120_000;
const EVENTS = 'subscription($id: ID!) { jobEvents(jobId: $id) { seq status } }';

const progress = (message: string): void => {
  process.stderr.write(`[bench install] ${message}\n`);
};

/** Resolves with the receipt instant of the job's final event. */
function finalEvent(client: ReturnType<typeof wsClient>, jobId: string): Promise<{ at: number; status: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`job ${jobId}: no final event within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    const unsubscribe = client.subscribe<{ jobEvents: { seq: number; status: string } }>(
      { query: EVENTS, variables: { id: jobId } },
      {
        next: (result) => {
          const status = result.data?.jobEvents.status ?? `ERROR ${JSON.stringify(result.errors)}`;
          if (TERMINAL.has(status) || !result.data) {
            clearTimeout(timer);
            unsubscribe();
            resolve({ at: epochMs(), status });
          }
        },
        error: (error) => reject(new Error(`jobEvents: ${JSON.stringify(error)}`)),
        complete: () => undefined,
      },
    );
  });
}

/** Per step, from its first event to its last: started → succeeded (or skipped). */
function stepDurations(events: StoredEvent[]): Record<string, number> {
  const spans: Record<string, { from: number; to: number }> = {};
  for (const event of events) {
    if (!event.step || event.type === 'step.log') continue;
    const at = Date.parse(event.at);
    const span = (spans[event.step] ??= { from: at, to: at });
    span.from = Math.min(span.from, at);
    span.to = Math.max(span.to, at);
  }
  return Object.fromEntries(Object.entries(spans).map(([step, { from, to }]) => [step, to - from]));
}

/** The script's install of container `name` on `port`: one multiplexed `ssh` per command. */
async function scriptedInstall(ssh: OpenSsh, name: string, port: number): Promise<number> {
  const commands: string[][] = [
    ['docker', 'version', '--format', '{{.Server.Version}}'],
    ['docker', 'image', 'inspect', '--format', '{{.Id}}', '--', IMAGE],
    [
      'docker',
      'create',
      '--name',
      name,
      '--label',
      'tomo.managed=true',
      '--label',
      `tomo.deployment=${name}`,
      '--network',
      'host',
      '--restart',
      'unless-stopped',
      '--env',
      'GREETING=hello',
      '--memory',
      '128m',
      IMAGE,
      'httpd',
      '-f',
      '-v',
      '-p',
      String(port),
      '-h',
      '/etc',
    ],
    ['docker', 'start', '--', name],
  ];
  for (const argv of commands) await ssh.runMultiplexed(...argv);
  await sleep(HEALTH_GRACE_MS);
  const running = await ssh.runMultiplexed(
    'docker',
    'container',
    'inspect',
    '--format',
    '{{.State.Running}}',
    '--',
    name,
  );
  if (running.trim() !== 'true') throw new Error(`${name} is not running`);
  await ssh.runMultiplexed(
    'curl',
    '-fsS',
    '-o',
    '/dev/null',
    '--max-time',
    '2',
    `http://127.0.0.1:${port}/tomo-version`,
  );
  return commands.length + 2;
}

async function main(): Promise<void> {
  const testbed = readTestbed();
  removeManagedContainers(testbed);
  progress('starting the built API and a worker');
  const stack = await startTomo({ worker: true, console: false });
  const marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-bench-marketplace-'));
  const ssh = new OpenSsh(testbed);
  const tomo: number[] = [];
  const script: number[] = [];
  const outside: number[] = [];
  /** The engine's part: request → job.started, and the final event's at → its receipt. */
  const untilStarted: number[] = [];
  const delivery: number[] = [];
  const inSteps: number[] = [];
  const perStep: Record<string, number[]> = {};
  const sshTrue: number[] = [];
  let scriptCommands = 0;
  try {
    const fixture = await installFixture(stack, marketplaceDir, {
      apps: INSTALLS,
      servers: 1,
      password: 'bench install passphrase',
    });
    const client = wsClient(`${stack.baseUrl.replace(/^http/, 'ws')}/graphql`, fixture.token);
    // The master connection is up before the first timed command, as a script's would be.
    for (let i = 0; i < 20; i++) {
      const t = epochMs();
      await ssh.runMultiplexed('true');
      if (i >= 5) sshTrue.push(epochMs() - t);
    }
    const runTomo = async (i: number) => {
      const t0 = epochMs();
      const jobId = await installApp(stack, fixture.token, fixture.serverIds[0], fixture.appIds[i]);
      const { at, status } = await finalEvent(client, jobId);
      if (status !== 'SUCCEEDED') throw new Error(`install ${i}: ${status}`);
      const job = await storedJob(stack, fixture.token, jobId);
      const steps = stepDurations(job.events);
      const total = Object.values(steps).reduce((a, b) => a + b, 0);
      const eventAt = (type: string) => Date.parse(job.events.find((event) => event.type === type)?.at ?? '');
      untilStarted.push(eventAt('job.started') - t0);
      delivery.push(at - eventAt('job.succeeded'));
      tomo.push(at - t0);
      inSteps.push(total);
      outside.push(at - t0 - total);
      for (const [step, ms] of Object.entries(steps)) (perStep[step] ??= []).push(ms);
    };
    const runScript = async (i: number) => {
      const t0 = epochMs();
      scriptCommands = await scriptedInstall(ssh, `bench-script-${i}`, SCRIPT_FIRST_PORT + i);
      script.push(epochMs() - t0);
    };
    for (let i = 0; i < INSTALLS; i++) {
      if (i % 2 === 0) await runTomo(i).then(() => runScript(i));
      else await runScript(i).then(() => runTomo(i));
      progress(`install ${i + 1}/${INSTALLS}: Tomo ${tomo[i].toFixed(0)} ms, script ${script[i].toFixed(0)} ms`);
    }
    await client.dispose();
  } finally {
    await ssh.close();
    await stack.stop();
    rmSync(marketplaceDir, { recursive: true, force: true });
    removeManagedContainers(testbed);
  }

  const overhead = tomo.map((t, i) => t - script[i]);
  const sshPerCommand = median(sshTrue);
  const docker = script.map((s) => s - scriptCommands * sshPerCommand);
  const p50 = (values: number[]) => round(percentile(values, 50), 1);
  process.stdout.write(
    `${JSON.stringify({
      tomoP50Ms: p50(tomo),
      tomoP95Ms: round(percentile(tomo, 95), 1),
      scriptP50Ms: p50(script),
      scriptP95Ms: round(percentile(script, 95), 1),
      overheadP50Ms: p50(overhead),
      overheadP95Ms: round(percentile(overhead, 95), 1),
      breakdown: {
        engineP50Ms: p50(outside),
        engineParts: {
          requestToStartP50Ms: p50(untilStarted),
          betweenStepsP50Ms: p50(outside.map((o, i) => o - untilStarted[i] - delivery[i])),
          finalEventDeliveryP50Ms: p50(delivery),
        },
        stepsP50Ms: p50(inSteps),
        dockerP50Ms: p50(docker),
        sshAndChecksP50Ms: p50(inSteps.map((s, i) => s - docker[i])),
        perStepP50Ms: Object.fromEntries(Object.entries(perStep).map(([step, values]) => [step, p50(values)])),
        scriptCommands,
        controlMasterTrueP50Ms: round(sshPerCommand, 1),
      },
      installs: INSTALLS,
      env: await runEnv(TEST_REDIS_URL),
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
