/**
 * `npm run chaos -- redis-restart [--installs=20] [--servers=4] [--kill-after=5] [--down-seconds=8] [--max-seconds=600]`:
 * a Redis of the run's own (`redis-server` on a free loopback port, in a temp directory; never the
 * machine's) is killed with SIGKILL in the middle of running installs of the test app and started
 * again on the same port and directory, in two modes: `aof` (`--appendonly yes --appendfsync
 * always`: the queue comes back as it was) and `none` (no AOF, no RDB: Redis comes back empty, so
 * the queue has forgotten every job and only the database still knows them). Meanwhile a GraphQL
 * query that needs Redis (`schedules`: BullMQ's job schedulers) is asked every second; the API must
 * answer it with `UNAVAILABLE` while Redis is down and normally again once it is back, without
 * being restarted. Per mode: `total`, `succeeded`, `lostJobs` (never finished: must be 0),
 * `unavailableAnswers`, `otherAnswers` (codes other than UNAVAILABLE, or no answer in 5 s),
 * `apiRecovered`, `requeuedJobs` (jobs the worker's lost-job sweep queued again).
 *
 * Needs the testbed (`npm run testbed -- up`) and the built API + worker. One JSON line on stdout;
 * exit 1 when a job was lost or did not succeed, the API gave another answer than UNAVAILABLE
 * while Redis was down or did not recover, or an API or worker process exited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCodes, gql, readTestbed, ThrowawayRedis } from '@tomo/testing';
import { startTomo } from '../../apps/e2e/src/support/tomo-stack';
import {
  installApp,
  installFixture,
  poll,
  removeManagedContainers,
  type StoredJob,
  storedJob,
  TERMINAL,
} from './support/install-fixture';
import { numberArg, progress as progressOf, type RunEnv, runEnv } from './support/run-env';

const progress = progressOf('redis-restart');
const INSTALLS = numberArg('installs', 20);
const SERVERS = numberArg('servers', 4);
/** Redis is killed once this many installs have finished (the others queued or running). */
const KILL_AFTER = numberArg('kill-after', 5);
const DOWN_SECONDS = numberArg('down-seconds', 8);
const MAX_SECONDS = numberArg('max-seconds', 600);
const PROBE = '{ schedules { name } }';
const PROBE_TIMEOUT_MS = 5_000;
/** redis-server options of each mode: `none` neither appends nor snapshots. */
const MODES = {
  aof: ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
  none: ['--appendonly', 'no', '--save', ''],
};
type Mode = keyof typeof MODES;

/** The code the API answered the probe with: '' for data, the error code, or TIMEOUT. */
async function probe(baseUrl: string, token: string): Promise<string> {
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('TIMEOUT'), PROBE_TIMEOUT_MS).unref());
  const answer = gql(`${baseUrl}/graphql`, PROBE, {}, token).then(
    (result) => (result.errors ? errorCodes(result).join(',') || 'NO_CODE' : ''),
    () => 'CONNECTION_FAILED',
  );
  return Promise.race([answer, timeout]);
}

interface ModeFigures {
  total: number;
  succeeded: number;
  failed: number;
  lostJobs: number;
  unavailableAnswers: number;
  otherAnswers: Record<string, number>;
  apiRecovered: boolean;
  apiRecoverySeconds: number | null;
  finishedBeforeKill: number;
  requeuedJobs: number;
  exitedProcesses: string[];
  redisPersistence: RunEnv['redisPersistence'];
  seconds: number;
}

async function runMode(mode: Mode, marketplaceDir: string): Promise<{ figures: ModeFigures; env: RunEnv }> {
  const started = Date.now();
  const redis = await ThrowawayRedis.create(MODES[mode]);
  await redis.start();
  const env = await runEnv(redis.url);
  progress(`${mode}: own Redis on ${redis.port}; starting the built API and two workers`);
  const stack = await startTomo({ worker: true, console: false, env: { REDIS_URL: redis.url } });
  let jobs: StoredJob[] = [];
  const answers: string[] = [];
  let recoveredAfter: number | null = null;
  let finishedBeforeKill = 0;
  let exitedProcesses: string[] = [];
  try {
    await stack.startWorker();
    const fixture = await installFixture(stack, marketplaceDir, {
      apps: INSTALLS,
      servers: SERVERS,
      password: `chaos redis-restart ${mode} passphrase`,
    });
    const jobIds = await Promise.all(
      fixture.appIds.map((appId, i) => installApp(stack, fixture.token, fixture.serverIds[i % SERVERS], appId)),
    );
    const load = async () => (jobs = await Promise.all(jobIds.map((id) => storedJob(stack, fixture.token, id))));
    await poll(`${KILL_AFTER} finished installs`, MAX_SECONDS, async () => {
      finishedBeforeKill = (await load()).filter((job) => TERMINAL.has(job.status)).length;
      return finishedBeforeKill >= KILL_AFTER ? true : undefined;
    });
    progress(
      `${mode}: ${finishedBeforeKill}/${INSTALLS} finished, ${jobs.filter((job) => job.status === 'RUNNING').length} running: Redis gets SIGKILL`,
    );

    await redis.kill();
    const downUntil = Date.now() + DOWN_SECONDS * 1000;
    while (Date.now() < downUntil) {
      answers.push(await probe(stack.baseUrl, fixture.token));
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await redis.start();
    const back = Date.now();
    progress(
      `${mode}: Redis started again after ${DOWN_SECONDS} s (probes answered ${[...new Set(answers)].join(', ')})`,
    );
    try {
      await poll('the API to answer again', 60, async () =>
        (await probe(stack.baseUrl, fixture.token)) === '' ? true : undefined,
      );
      recoveredAfter = (Date.now() - back) / 1000;
    } catch {
      recoveredAfter = null;
    }

    await poll('the installs', Math.max(1, MAX_SECONDS - (Date.now() - started) / 1000), async () => {
      const done = (await load()).filter((job) => TERMINAL.has(job.status)).length;
      progress(`${mode}: ${done}/${INSTALLS} finished`);
      return done === INSTALLS ? true : undefined;
    }).catch(() => undefined);
  } finally {
    exitedProcesses = stack.exitedProcesses();
    await stack.stop();
    await redis.dispose();
    removeManagedContainers(readTestbed());
  }
  const unavailableAnswers = answers.filter((code) => code === 'UNAVAILABLE').length;
  const otherAnswers: Record<string, number> = {};
  for (const code of answers.filter((c) => c !== 'UNAVAILABLE'))
    otherAnswers[code || 'DATA'] = (otherAnswers[code || 'DATA'] ?? 0) + 1;
  return {
    env,
    figures: {
      total: INSTALLS,
      succeeded: jobs.filter((job) => job.status === 'SUCCEEDED').length,
      failed: jobs.filter((job) => job.status === 'FAILED' || job.status === 'CANCELLED').length,
      lostJobs: jobs.filter((job) => !TERMINAL.has(job.status)).length,
      unavailableAnswers,
      otherAnswers,
      apiRecovered: recoveredAfter !== null,
      apiRecoverySeconds: recoveredAfter === null ? null : Math.round(recoveredAfter * 10) / 10,
      finishedBeforeKill,
      requeuedJobs: jobs.filter((job) => job.events.some((event) => event.type === 'job.requeued')).length,
      exitedProcesses,
      redisPersistence: env.redisPersistence,
      seconds: Math.round((Date.now() - started) / 1000),
    },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const left = removeManagedContainers(readTestbed());
  if (left > 0) progress(`removed ${left} labelled containers of earlier runs from the testbed`);
  const modes: Partial<Record<Mode, ModeFigures>> = {};
  let env: RunEnv | null = null;
  for (const mode of Object.keys(MODES) as Mode[]) {
    const marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-chaos-marketplace-'));
    try {
      const result = await runMode(mode, marketplaceDir);
      modes[mode] = result.figures;
      env ??= result.env;
      progress(`${mode}: ${JSON.stringify(result.figures)}`);
    } finally {
      rmSync(marketplaceDir, { recursive: true, force: true });
    }
  }
  const all = Object.values(modes);
  const figures = {
    total: all.reduce((sum, m) => sum + m.total, 0),
    succeeded: all.reduce((sum, m) => sum + m.succeeded, 0),
    lostJobs: all.reduce((sum, m) => sum + m.lostJobs, 0),
    unavailableAnswers: all.reduce((sum, m) => sum + m.unavailableAnswers, 0),
    apiRecovered: all.every((m) => m.apiRecovered),
    modes,
    downSeconds: DOWN_SECONDS,
    seconds: Math.round((Date.now() - started) / 1000),
    // The machine's Redis is not used: version and persistence of the run's own (per mode above).
    env,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  const clean = all.every(
    (m) =>
      m.lostJobs === 0 &&
      m.succeeded === m.total &&
      m.apiRecovered &&
      m.exitedProcesses.length === 0 &&
      m.unavailableAnswers > 0 &&
      Object.keys(m.otherAnswers).length === 0,
  );
  if (!clean) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
