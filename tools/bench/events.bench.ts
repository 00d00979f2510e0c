/**
 * `npm run bench -- events [--subscribers=100] [--rounds=30]`: how long an event the worker emits
 * takes to reach 100 graphql-ws subscribers of `jobEvents`, the built API and worker running as
 * separate processes (`npx nx run-many -t build -p api worker` first).
 *
 * Each round: the workflows queue is paused, a `system.ping` job created (`pingSystem`), every
 * subscriber (a connection each, as 100 open consoles) subscribes to its `jobEvents` and receives
 * the stored `job.queued` (so its subscription is live), then the queue resumes and the worker
 * runs the job. Every later event is the worker's; its latency is receipt − the event's `at`,
 * which the worker stamps when it records the event (before its commit, the Redis publish, the
 * API's fan-out and the WebSocket). Clock: the same machine, so the worker's `at` (Date, whole
 * ms) and the receipt (epochMs: performance.timeOrigin + performance.now()) are one clock;
 * `at` is truncated to the ms, so a latency reads up to 1 ms high (0.5 ms on average).
 * One JSON line on stdout.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName } from '@tomo/redis';
import { gqlOk, setupAdmin, TEST_REDIS_URL, wsClient } from '@tomo/testing';
import { startTomo } from '../../apps/e2e/src/support/tomo-stack';
import { TERMINAL } from '../chaos/support/install-fixture';
import { numberArg, runEnv } from '../chaos/support/run-env';
import { epochMs, percentile, round } from './support/stats';

const SUBSCRIBERS = numberArg('subscribers', 100);
const ROUNDS = numberArg('rounds', 30);
const ROUND_TIMEOUT_MS = 60_000;
const EVENTS = 'subscription($id: ID!) { jobEvents(jobId: $id) { seq type status at } }';

const progress = (message: string): void => {
  process.stderr.write(`[bench events] ${message}\n`);
};

interface Event {
  seq: number;
  type: string;
  status: string;
  at: string;
}

/** One subscriber's round: resolves `live` on the stored first event, `done` on the final one. */
function follow(client: ReturnType<typeof wsClient>, jobId: string, latencies: Map<string, number[]>) {
  let live: () => void = () => undefined;
  let done: () => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const isLive = new Promise<void>((resolve) => (live = resolve));
  const isDone = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const unsubscribe = client.subscribe<{ jobEvents: Event }>(
    { query: EVENTS, variables: { id: jobId } },
    {
      next: (result) => {
        const received = epochMs();
        const event = result.data?.jobEvents;
        if (!event) return failed(new Error(`jobEvents: ${JSON.stringify(result.errors)}`));
        if (event.seq === 1) live();
        else {
          const key = `${event.seq} ${event.type}`;
          latencies.set(key, [...(latencies.get(key) ?? []), received - Date.parse(event.at)]);
        }
        if (TERMINAL.has(event.status)) done();
      },
      error: (error) => failed(new Error(`jobEvents: ${JSON.stringify(error)}`)),
      complete: () => done(),
    },
  );
  return { isLive, isDone, unsubscribe };
}

const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS).unref(),
    ),
  ]);

async function main(): Promise<void> {
  progress('starting the built API and a worker');
  const stack = await startTomo({ worker: true, console: false });
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Workflows, { connection, prefix: stack.redisPrefix });
  const clients: ReturnType<typeof wsClient>[] = [];
  /** Every receipt's latency, and per event the first subscriber's (the pipeline without the fan-out). */
  const latencies: number[] = [];
  const firstReceipts: number[] = [];
  const byType = new Map<string, number[]>();
  let eventsPerJob = 0;
  try {
    const adminToken = await setupAdmin(stack, { username: 'bench-admin', password: 'bench events passphrase' });
    const wsUrl = `${stack.baseUrl.replace(/^http/, 'ws')}/graphql`;
    for (let i = 0; i < SUBSCRIBERS; i++) clients.push(wsClient(wsUrl, adminToken));

    for (let round = 0; round <= ROUNDS; round++) {
      await queue.pause();
      const { pingSystem } = await gqlOk<{ pingSystem: { id: string } }>(
        stack,
        'mutation { pingSystem { id } }',
        {},
        adminToken,
      );
      const bySeq = new Map<string, number[]>();
      const followers = clients.map((client) => follow(client, pingSystem.id, bySeq));
      await within(Promise.all(followers.map((f) => f.isLive)), 'the subscriptions');
      await queue.resume();
      await within(Promise.all(followers.map((f) => f.isDone)), 'the job events');
      for (const f of followers) f.unsubscribe();
      // Round 0 warms up (connections, JIT): its latencies are not kept.
      if (round > 0) {
        eventsPerJob = bySeq.size;
        for (const [key, receipts] of bySeq) {
          latencies.push(...receipts);
          const type = key.split(' ')[1];
          byType.set(type, [...(byType.get(type) ?? []), ...receipts]);
          firstReceipts.push(Math.min(...receipts));
        }
        progress(
          `round ${round}/${ROUNDS}: ${latencies.length} receipts so far, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
        );
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await queue.close();
    await connection.quit();
    await stack.stop();
  }
  process.stdout.write(
    `${JSON.stringify({
      subscribers: SUBSCRIBERS,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      firstSubscriberP50Ms: round(percentile(firstReceipts, 50)),
      firstSubscriberP99Ms: round(percentile(firstReceipts, 99)),
      // An event the worker records with a later write (a fast step's start goes with its end) waits for it.
      byType: Object.fromEntries(
        [...byType].map(([type, values]) => [
          type,
          { p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)) },
        ]),
      ),
      samples: latencies.length,
      rounds: ROUNDS,
      workerEventsPerJob: eventsPerJob,
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
