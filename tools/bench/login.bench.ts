/**
 * `npm run bench -- login [--logins=200] [--max-failures=1000]`: how the API answers while a
 * storm of concurrent wrong logins arrives. The API runs in this process (temp SQLite, own Redis
 * prefix); `--max-failures` raises LOGIN_MAX_FAILURES so every login of the storm really hashes
 * (with the default of 5 the limiter refuses all but 5 before any hashing). Samples `GET /health`
 * and an authenticated `{ me { id } }` one after the other, idle and then during the storm, and
 * reports p50/p99/max latency of each. Prints progress on stderr and one JSON line on stdout.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { gql, setupAdmin, startTestApi } from '@tomo/testing';
import { AppModule } from '../../apps/api/src/app/app.module';
import { numberArg } from '../chaos/support/run-env';

const LOGINS = numberArg('logins', 200);
const MAX_FAILURES = numberArg('max-failures', 1_000);
const IDLE_SAMPLES = 100;
const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { token } }';

const progress = (message: string): void => {
  process.stderr.write(`[bench login] ${message}\n`);
};

interface Figures {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function figures(latencies: number[]): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
  return {
    samples: sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
  };
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** Samples both probes one after the other until `until` says stop (or `count` rounds). */
async function sample(probes: { health: () => Promise<unknown>; me: () => Promise<unknown> }, until: () => boolean) {
  const health: number[] = [];
  const me: number[] = [];
  while (!until()) {
    health.push(await timed(probes.health));
    me.push(await timed(probes.me));
  }
  return { health: figures(health), me: figures(me) };
}

async function main(): Promise<void> {
  const api = await startTestApi(AppModule.forRoot, {
    LOGIN_MAX_FAILURES: String(MAX_FAILURES),
    LOGIN_LOCKOUT: '10m',
  });
  try {
    const token = await setupAdmin(api, ADMIN);
    const probes = {
      health: async () => {
        const response = await fetch(`${api.url}/health`);
        if (!response.ok) throw new Error(`/health answered ${response.status}`);
        await response.arrayBuffer();
      },
      me: async () => {
        const result = await gql(api.graphqlUrl, '{ me { id } }', {}, token);
        if (result.errors) throw new Error(JSON.stringify(result.errors));
      },
    };

    progress(`idle: ${IDLE_SAMPLES} samples`);
    let rounds = 0;
    const idle = await sample(probes, () => rounds++ >= IDLE_SAMPLES);

    progress(`storm: ${LOGINS} concurrent wrong logins (LOGIN_MAX_FAILURES=${MAX_FAILURES})`);
    let stormDone = false;
    const stormStarted = performance.now();
    const storm = Promise.all(
      Array.from({ length: LOGINS }, (_, i) =>
        gql(api.graphqlUrl, LOGIN, {
          input: { username: ADMIN.username, password: `wrong guess ${i}` },
        }),
      ),
    ).then((results) => {
      stormDone = true;
      return results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK');
    });
    const during = await sample(probes, () => stormDone);
    const codes = await storm;
    const stormMs = performance.now() - stormStarted;
    const counts = codes.reduce<Record<string, number>>((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {});

    process.stdout.write(
      `${JSON.stringify({
        logins: LOGINS,
        maxFailures: MAX_FAILURES,
        stormMs: Math.round(stormMs),
        answers: counts,
        idle,
        duringStorm: during,
      })}\n`,
    );
  } finally {
    await api.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench login] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
