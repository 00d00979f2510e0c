/**
 * `npm run chaos -- api-restart [--installs=10] [--restarts=3] [--restart-every=4] [--max-seconds=600]`:
 * installs of the test app run on the worker while the API is killed with SIGKILL and a new one
 * started, several times. Every job has a graphql-ws subscriber of `jobEvents` that, when its
 * connection drops, reconnects to the API that now answers and subscribes again with `afterSeq` =
 * the last seq it received. Against the stored timelines: `missedEvents` (stored, never received)
 * and `duplicateEvents` (received more than once) must be 0.
 *
 * Needs the testbed (`npm run testbed -- up`) and the built API + worker. One JSON line on stdout;
 * exit 1 when a figure that must be 0 is not, or an install did not succeed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTestbed, TEST_REDIS_URL, wsClient } from '@tomo/testing';
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
import { numberArg, progress as progressOf, runEnv } from './support/run-env';

const progress = progressOf('api-restart');
const INSTALLS = numberArg('installs', 10);
const RESTARTS = numberArg('restarts', 3);
const RESTART_EVERY_SECONDS = numberArg('restart-every', 4);
const MAX_SECONDS = numberArg('max-seconds', 600);
const RECONNECT_DELAY_MS = 500;
const EVENTS = 'subscription($id: ID!, $after: Int!) { jobEvents(jobId: $id, afterSeq: $after) { seq status } }';

/** A subscriber that survives the API: on a dropped connection it resubscribes after its last seq. */
class Follower {
  readonly seqs: number[] = [];
  subscriptions = 0;
  private ended = false;
  readonly done: Promise<void>;

  constructor(
    private readonly jobId: string,
    private readonly apiUrl: () => string,
    private readonly token: string,
    deadline: number,
  ) {
    this.done = this.run(deadline);
  }

  private async run(deadline: number): Promise<void> {
    while (!this.ended && Date.now() < deadline) {
      await this.once();
      if (!this.ended) await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
    }
  }

  /** One subscription, until it completes or its connection drops. */
  private once(): Promise<void> {
    this.subscriptions++;
    const client = wsClient(this.apiUrl().replace(/^http/, 'ws') + '/graphql', this.token);
    const after = this.seqs.at(-1) ?? 0;
    return new Promise<void>((resolve) => {
      const finish = () => {
        void client.dispose();
        resolve();
      };
      client.subscribe<{ jobEvents: { seq: number; status: string } }>(
        { query: EVENTS, variables: { id: this.jobId, after } },
        {
          next: (result) => {
            const event = result.data?.jobEvents;
            if (!event) return;
            this.seqs.push(event.seq);
            if (TERMINAL.has(event.status)) this.ended = true;
          },
          error: finish,
          complete: finish,
        },
      );
    });
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  removeManagedContainers(readTestbed());
  progress('starting the built API and a worker');
  const stack = await startTomo({ worker: true, console: false });
  const marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-chaos-marketplace-'));
  let current = stack.apis[0];
  const followers: Follower[] = [];
  let jobs: StoredJob[] = [];
  let restarts = 0;
  /** When no API answered: events stored then reach the subscribers only through `afterSeq`. */
  const downtimes: { from: number; to: number }[] = [];
  let timedOut = false;
  try {
    const fixture = await installFixture(stack, marketplaceDir, {
      apps: INSTALLS,
      servers: 2,
      password: 'chaos api-restart passphrase',
    });
    const deadline = Date.now() + MAX_SECONDS * 1000;
    const jobIds = await Promise.all(
      fixture.appIds.map((appId, i) => installApp(stack, fixture.token, fixture.serverIds[i % 2], appId)),
    );
    for (const id of jobIds) followers.push(new Follower(id, () => current.baseUrl, fixture.token, deadline));
    progress(
      `${INSTALLS} installs followed by ${INSTALLS} subscribers; the API killed ${RESTARTS} times, every ${RESTART_EVERY_SECONDS} s`,
    );

    for (let i = 0; i < RESTARTS; i++) {
      await new Promise((r) => setTimeout(r, RESTART_EVERY_SECONDS * 1000));
      const from = Date.now();
      current.process.child.kill('SIGKILL');
      await current.process.exited;
      current = await stack.startApi();
      downtimes.push({ from, to: Date.now() });
      restarts++;
      progress(
        `API restarted (${current.process.name}); ${followers.filter((f) => f.seqs.length > 0).length} subscribers have events`,
      );
    }

    try {
      await poll('the installs', Math.max(1, (deadline - Date.now()) / 1000), async () => {
        jobs = await Promise.all(jobIds.map((id) => storedJob(current, fixture.token, id)));
        return jobs.every((job) => TERMINAL.has(job.status)) ? true : undefined;
      });
      // The subscribers end with the terminal event; a missing one shows as missed below.
      await Promise.race([Promise.all(followers.map((f) => f.done)), new Promise((r) => setTimeout(r, 30_000))]);
    } catch {
      timedOut = true;
    }
  } finally {
    await stack.stop();
    rmSync(marketplaceDir, { recursive: true, force: true });
    removeManagedContainers(readTestbed());
  }

  let missedEvents = 0;
  let duplicateEvents = 0;
  jobs.forEach((job, i) => {
    const received = followers[i].seqs;
    const unique = new Set(received);
    duplicateEvents += received.length - unique.size;
    missedEvents += job.events.filter((event) => !unique.has(event.seq)).length;
  });
  const figures = {
    missedEvents,
    duplicateEvents,
    storedEvents: jobs.reduce((sum, job) => sum + job.events.length, 0),
    receivedEvents: followers.reduce((sum, f) => sum + f.seqs.length, 0),
    subscribers: followers.length,
    eventsWhileApiDown: jobs
      .flatMap((job) => job.events)
      .filter((event) => downtimes.some(({ from, to }) => Date.parse(event.at) >= from && Date.parse(event.at) <= to))
      .length,
    // Connection attempts after the first, the refused ones while no API listened included.
    reconnectAttempts: followers.reduce((sum, f) => sum + f.subscriptions - 1, 0),
    apiRestarts: restarts,
    total: INSTALLS,
    succeeded: jobs.filter((job) => job.status === 'SUCCEEDED').length,
    seconds: Math.round((Date.now() - started) / 1000),
    timedOut,
    env: await runEnv(TEST_REDIS_URL),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  if (missedEvents + duplicateEvents > 0 || figures.succeeded !== INSTALLS || restarts !== RESTARTS)
    process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
