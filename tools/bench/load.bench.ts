// Longer than the house limit on purpose: seeding a large installation by bulk SQL and measuring it
// are one script; the statistics and environment helpers are shared (tools/bench/support).
/**
 * `npm run bench -- load [--rounds=5] [--samples=20] [--requests=1500]`: the console's queries
 * on a large installation. Starts the built API and a worker (`startTomo`, fresh SQLite file),
 * seeds 1,000 servers, 20,000 finished jobs (4 steps, 13 events each), 500 deployments and
 * 20,000 audit entries by bulk SQL into the tables the migrations made, then:
 * - p50/p95 of `servers`, `jobs` (first page, and a page ~15,000 jobs deep reached by following
 *   the API's own cursors), `job` with its timeline, `dashboard`, `auditLog`: `rounds` rounds of
 *   `samples` sequential calls each, queries alternating, so the per-round p95 gives the spread;
 * - API and worker RSS idle and at their peak under load (concurrent clients on the API while
 *   the worker runs `collect-server-metrics` over the 1,000 servers), and the API's event-loop
 *   lag p99 during that load (from `/metrics`);
 * - requests/s of `{ me { id } }` vs a plain node http server answering the same JSON in a
 *   process of its own, alternating, same client (ratio = GraphQL / plain).
 * Run `npx nx run-many -t build -p api worker` first. Progress on stderr, one JSON line on stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { gqlOk, setupAdmin, TEST_REDIS_URL } from '@tomo/testing';
import { startTomo, type TomoStack } from '../../apps/e2e/src/support/tomo-stack';
import { numberArg, runEnv } from '../chaos/support/run-env';

const ROUNDS = numberArg('rounds', 5);
const SAMPLES = numberArg('samples', 20);
const REQUESTS = numberArg('requests', 1_500);
const CONCURRENCY = 16;
const LOAD_SECONDS = 20;

const SERVERS = 1_000;
const JOBS = 20_000;
const DEPLOYMENTS = 500;
const AUDIT_ENTRIES = 20_000;
const DEEP_POSITION = 15_000;
const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

const progress = (message: string): void => {
  process.stderr.write(`[bench load] ${message}\n`);
};

/** The selections the console asks for (apps/web/src/app/core/graphql/operations). */
const QUERIES = {
  servers:
    '{ servers { id name host port username authType status statusMessage dockerVersion lastSeenAt lastCheckedAt } }',
  jobs: `query($first: Int, $after: String) { jobs(first: $first, after: $after) {
    edges { node { id kind status serverId deploymentId requestedBy createdAt startedAt finishedAt } }
    pageInfo { hasNextPage endCursor } } }`,
  job: `query($id: ID!) { job(id: $id) {
    id kind status serverId deploymentId requestedBy createdAt startedAt finishedAt cancelRequested retryOfJobId
    error { code message } steps { name status attempts startedAt finishedAt nextAttemptAt error { code message } }
    events(first: 5000) { jobId seq type step message status at } } }`,
  dashboard: `{ dashboard { at serverCount deploymentCount serversByStatus { status count } deploymentsByStatus { status count }
    jobs { queued running waiting succeededLast24h failedLast24h cancelledLast24h } servers { server { id name status } } }
    failedJobs: jobs(first: 5, filter: { status: FAILED }) { edges { node { id kind finishedAt error { code message } } } } }`,
  auditLog: `query($first: Int!) { auditLog(first: $first) {
    nodes { id at action actorName actorType outcome errorCode targetType targetId ip } pageInfo { hasNextPage endCursor } } }`,
};

/** TypeORM's SQLite text for `type: Date` columns (UTC, ms). */
const sqliteDate = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** Bulk inserts, one transaction, into the tables the API's migrations created. Returns the job ids. */
function seed(databasePath: string): string[] {
  const db = new Database(databasePath);
  db.pragma('busy_timeout = 30000');
  const now = Date.now();
  const serverIds = Array.from({ length: SERVERS }, () => randomUUID());
  const deploymentIds = Array.from({ length: DEPLOYMENTS }, () => randomUUID());
  const jobIds: string[] = [];
  db.transaction(() => {
    const server = db.prepare(
      `INSERT INTO "server" ("id","name","host","port","username","authType","networkMode","maxConcurrentJobs","status","dockerVersion","lastSeenAt","lastCheckedAt","createdAt","updatedAt")
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    );
    const statuses = ['ONLINE', 'ONLINE', 'ONLINE', 'OFFLINE', 'UNKNOWN'];
    serverIds.forEach((id, i) => {
      const at = sqliteDate(now - i * 60_000);
      // Port 1 on loopback: nothing listens, so the worker's checks fail fast and stay local.
      server.run(
        id,
        `server-${String(i).padStart(4, '0')}`,
        '127.0.0.1',
        1,
        'deploy',
        'KEY',
        'bridge',
        2,
        statuses[i % statuses.length],
        '27.3.1',
        at,
        at,
        at,
        at,
      );
    });
    const deployment = db.prepare(
      `INSERT INTO "deployment" ("id","serverId","appId","status","containerName","image","config","accessUrls","createdAt","updatedAt")
       VALUES (?,?,?,?,?,?,?,?,?,?)`,
    );
    const deploymentStatuses = ['RUNNING', 'RUNNING', 'STOPPED', 'FAILED'];
    deploymentIds.forEach((id, i) => {
      const at = sqliteDate(now - i * 3_600_000);
      deployment.run(
        id,
        serverIds[i % SERVERS],
        'whoami',
        deploymentStatuses[i % 4],
        `tomo-whoami-${i}`,
        'traefik/whoami:v1.10',
        '{"env":{},"ports":[]}',
        '[]',
        at,
        at,
      );
    });
    const job = db.prepare(
      `INSERT INTO "job" ("id","kind","status","serverId","deploymentId","input","result","requestedBy","lastEventSeq","errorCode","errorMessage","createdAt","updatedAt","startedAt","finishedAt")
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    );
    const step = db.prepare(
      `INSERT INTO "job_step" ("jobId","position","name","status","attempts","startedAt","finishedAt") VALUES (?,?,?,?,?,?,?)`,
    );
    const event = db.prepare(
      `INSERT INTO "job_event" ("jobId","seq","type","step","message","status","at") VALUES (?,?,?,?,?,?,?)`,
    );
    const audit = db.prepare(
      `INSERT INTO "audit_log" ("at","actorType","actorId","actorName","action","targetType","targetId","outcome","ip") VALUES (?,?,?,?,?,?,?,?,?)`,
    );
    const stepNames = ['pull-image', 'create-container', 'start-container', 'check-health'];
    // Spread over the last 20 days (inside the default 30-day retention, so prune-jobs keeps them).
    const spacingMs = Math.floor((20 * 86_400_000) / JOBS);
    for (let i = 0; i < JOBS; i++) {
      const id = randomUUID();
      jobIds.push(id);
      const created = now - (JOBS - i) * spacingMs;
      const failed = i % 10 === 0;
      const status = failed ? 'FAILED' : 'SUCCEEDED';
      const deploymentIndex = i % DEPLOYMENTS;
      const at = (offset: number) => sqliteDate(created + offset * 100);
      job.run(
        id,
        'deployment.install',
        status,
        serverIds[deploymentIndex % SERVERS],
        deploymentIds[deploymentIndex],
        '{"appId":"whoami"}',
        failed ? null : '{}',
        'admin',
        13,
        failed ? 'DOCKER_ERROR' : null,
        failed ? 'health check failed' : null,
        at(0),
        at(13),
        at(1),
        at(13),
      );
      const events: [string, string | null, string][] = [
        ['job.queued', null, 'Queued'],
        ['job.started', null, 'Started'],
      ];
      stepNames.forEach((name, position) => {
        const stepFailed = failed && position === 3;
        step.run(
          id,
          position,
          name,
          stepFailed ? 'FAILED' : 'SUCCEEDED',
          1,
          at(2 + position * 3),
          at(4 + position * 3),
        );
        events.push(['step.started', name, `Step ${name} started`]);
        if (position < 2) events.push(['step.log', name, `${name}: done in 120 ms`]);
        events.push([
          stepFailed ? 'step.failed' : 'step.succeeded',
          name,
          stepFailed ? 'health check failed' : `Step ${name} succeeded`,
        ]);
      });
      events.push([failed ? 'job.failed' : 'job.succeeded', null, failed ? 'Failed' : 'Succeeded']);
      events.forEach(([type, stepName, message], seq) =>
        event.run(
          id,
          seq + 1,
          type,
          stepName,
          message,
          seq === events.length - 1 ? status : seq === 0 ? 'QUEUED' : 'RUNNING',
          at(seq),
        ),
      );
    }
    for (let i = 0; i < AUDIT_ENTRIES; i++) {
      audit.run(
        sqliteDate(now - (AUDIT_ENTRIES - i) * 60_000),
        'USER',
        null,
        'admin',
        'startJob',
        'job',
        jobIds[i % JOBS],
        'SUCCESS',
        '127.0.0.1',
      );
    }
  })();
  db.close();
  return jobIds;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
}

const median = (values: number[]): number => quantile(values, 0.5);

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Math.round(kb / 1024);
}

async function eventLoopLagP99Ms(baseUrl: string): Promise<number | null> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = /^tomo_api_nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1];
  return value === undefined ? null : Number((Number(value) * 1000).toFixed(2));
}

/** A plain node http server answering every POST with `body`, in a process of its own like the API. */
async function startPlainServer(body: string): Promise<{ url: string; child: ChildProcess }> {
  const script = `
    const body = Buffer.from(process.argv[1]);
    const server = require('node:http').createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body));
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script, body], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolvePort, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolvePort(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the plain server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/graphql`, child };
}

/** Requests/s of `count` POSTs of `body` at CONCURRENCY, each answer checked. */
async function throughput(url: string, body: string, token: string, expected: string, count: number): Promise<number> {
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < count) {
        sent++;
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
          },
          body,
        });
        const text = await response.text();
        if (text !== expected) throw new Error(`${url} answered ${text.slice(0, 200)}`);
      }
    }),
  );
  return Math.round(count / ((performance.now() - started) / 1000));
}

async function main(): Promise<void> {
  progress('starting the built API + worker');
  const stack: TomoStack = await startTomo({ worker: true, console: false });
  let plain: ChildProcess | undefined;
  try {
    const api = stack.apis[0];
    const worker = stack.workers[0];
    const graphqlUrl = `${stack.baseUrl}/graphql`;
    const token = await setupAdmin(graphqlUrl, ADMIN);
    const query = <T>(document: string, variables: Record<string, unknown> = {}) =>
      gqlOk<T>(graphqlUrl, document, variables, token);

    progress(
      `seeding ${SERVERS} servers, ${JOBS} jobs × 13 events, ${DEPLOYMENTS} deployments, ${AUDIT_ENTRIES} audit entries`,
    );
    const seedStarted = performance.now();
    const jobIds = seed(join(stack.dataDir, 'tomo.sqlite'));
    const seedSeconds = Number(((performance.now() - seedStarted) / 1000).toFixed(1));

    progress(`following cursors to a page ${DEEP_POSITION} jobs deep`);
    type JobsPage = {
      jobs: { edges: unknown[]; pageInfo: { endCursor: string | null } };
    };
    let deepCursor: string | null = null;
    for (let seen = 0; seen < DEEP_POSITION; seen += 200) {
      const page: JobsPage = await query<JobsPage>(QUERIES.jobs, {
        first: 200,
        after: deepCursor,
      });
      deepCursor = page.jobs.pageInfo.endCursor;
    }
    const deepPage = await query<JobsPage>(QUERIES.jobs, {
      first: 20,
      after: deepCursor,
    });
    if (deepPage.jobs.edges.length !== 20) throw new Error(`the deep page has ${deepPage.jobs.edges.length} jobs`);

    const probes: Record<string, () => Promise<unknown>> = {
      servers: () => query(QUERIES.servers),
      jobsFirstPage: () => query(QUERIES.jobs, { first: 20 }),
      jobsDeepPage: () => query(QUERIES.jobs, { first: 20, after: deepCursor }),
      job: () =>
        query(QUERIES.job, {
          id: jobIds[Math.floor(Math.random() * jobIds.length)],
        }),
      dashboard: () => query(QUERIES.dashboard),
      auditLog: () => query(QUERIES.auditLog, { first: 50 }),
    };
    const check = (await query<{ servers: unknown[] }>(QUERIES.servers)).servers.length;
    if (check !== SERVERS) throw new Error(`servers answered ${check} servers`);

    progress(`latency: ${ROUNDS} rounds × ${SAMPLES} samples per query (after one warm-up call each)`);
    for (const probe of Object.values(probes)) await probe();
    const samples: Record<string, number[]> = {};
    const roundP95s: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, probe] of Object.entries(probes)) {
        const inRound: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const started = performance.now();
          await probe();
          inRound.push(performance.now() - started);
        }
        (samples[name] ??= []).push(...inRound);
        (roundP95s[name] ??= []).push(quantile(inRound, 0.95));
      }
      progress(
        `round ${round + 1}: ${Object.entries(roundP95s)
          .map(([name, p95s]) => `${name} ${p95s[round]}`)
          .join(', ')} ms (p95)`,
      );
    }
    const latency = Object.fromEntries(
      Object.entries(samples).map(([name, values]) => [
        name,
        {
          samples: values.length,
          p50Ms: quantile(values, 0.5),
          p95Ms: quantile(values, 0.95),
          maxMs: quantile(values, 1),
          roundP95Ms: roundP95s[name],
        },
      ]),
    );

    const idle = {
      apiRssMb: rssMb(api.process.child),
      workerRssMb: rssMb(worker.child),
    };
    progress(`idle RSS: API ${idle.apiRssMb} MB, worker ${idle.workerRssMb} MB`);

    progress(`load: ${CONCURRENCY} clients for ${LOAD_SECONDS} s on the API, collect-server-metrics on the worker`);
    await eventLoopLagP99Ms(stack.baseUrl); // prom-client resets its lag histogram at each scrape
    await query('mutation { runSchedule(name: "collect-server-metrics") { id } }');
    const peak = { ...idle };
    const sampler = setInterval(() => {
      peak.apiRssMb = Math.max(peak.apiRssMb, rssMb(api.process.child));
      peak.workerRssMb = Math.max(peak.workerRssMb, rssMb(worker.child));
    }, 250);
    const loadEnds = performance.now() + LOAD_SECONDS * 1000;
    const probeList = Object.values(probes);
    let loadRequests = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, client) => {
        for (let i = client; performance.now() < loadEnds; i++) {
          await probeList[i % probeList.length]();
          loadRequests++;
        }
      }),
    );
    clearInterval(sampler);
    const lagP99Ms = await eventLoopLagP99Ms(stack.baseUrl);
    progress(
      `under load: ${loadRequests} requests, RSS peak API ${peak.apiRssMb} MB, worker ${peak.workerRssMb} MB, event-loop lag p99 ${lagP99Ms} ms`,
    );

    progress(`throughput: { me { id } } vs a plain http server, ${REQUESTS} requests × 3 each, alternating`);
    const meBody = JSON.stringify({ query: '{ me { id } }' });
    const meAnswer = await (
      await fetch(graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: meBody,
      })
    ).text();
    const plainServer = await startPlainServer(meAnswer);
    plain = plainServer.child;
    const graphqlRps: number[] = [];
    const plainRps: number[] = [];
    for (let round = 0; round < 3; round++) {
      graphqlRps.push(await throughput(graphqlUrl, meBody, token, meAnswer, REQUESTS));
      plainRps.push(await throughput(plainServer.url, meBody, token, meAnswer, REQUESTS));
      progress(`round ${round + 1}: GraphQL ${graphqlRps[round]}/s, plain ${plainRps[round]}/s`);
    }
    const ratios = graphqlRps.map((rps, i) => Number((rps / plainRps[i]).toFixed(3)));

    process.stdout.write(
      `${JSON.stringify({
        seeded: {
          servers: SERVERS,
          jobs: JOBS,
          eventsPerJob: 13,
          deployments: DEPLOYMENTS,
          auditEntries: AUDIT_ENTRIES,
          seconds: seedSeconds,
        },
        p95Ms: Object.fromEntries(Object.entries(latency).map(([name, figures]) => [name, figures.p95Ms])),
        latency,
        apiRssMb: { idle: idle.apiRssMb, underLoad: peak.apiRssMb },
        workerRssMb: { idle: idle.workerRssMb, underLoad: peak.workerRssMb },
        load: {
          clients: CONCURRENCY,
          seconds: LOAD_SECONDS,
          requests: loadRequests,
          apiEventLoopLagP99Ms: lagP99Ms,
        },
        throughput: {
          graphqlMeRps: graphqlRps,
          plainHttpRps: plainRps,
          concurrency: CONCURRENCY,
        },
        ratio: median(ratios),
        ratios,
        env: await runEnv(TEST_REDIS_URL),
      })}\n`,
    );
  } finally {
    plain?.kill();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench load] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
