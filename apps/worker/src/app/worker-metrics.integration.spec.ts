import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { JobKind } from '@tomo/shared';
import { SshModule } from '@tomo/ssh';
import {
  gql,
  startTestApi,
  TEST_REDIS_URL,
  type TestApi,
  waitFor,
} from '@tomo/testing';
import { WorkflowWorkerModule } from '@tomo/workflows';
import { AppModule } from '../../../api/src/app/app.module';
import { WorkerMetrics, WorkerMetricsModule } from './worker-metrics';

const ADMIN = {
  username: 'admin',
  password: 'metrics are for the people on call',
};

/** The value of one sample line, e.g. `tomo_jobs_total{kind="system.ping",status="SUCCEEDED"}`. */
function sample(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics of the API and a worker', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    token =
      (
        await gql<{ setupAdmin: { token: string } }>(
          api.graphqlUrl,
          'mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { token } }',
          { input: ADMIN },
        )
      ).data?.setupAdmin.token ?? '';
    const config = loadWorkerConfig(
      {
        DATA_DIR: api.config.dataDir,
        REDIS_URL: TEST_REDIS_URL,
        TOMO_REDIS_PREFIX: api.config.redisPrefix,
        LOG_LEVEL: 'silent',
        METRICS_PORT: '0',
      },
      false,
    );
    @Module({
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('metrics-test-worker'),
        SshModule.forRoot(),
        WorkflowWorkerModule.forRoot({
          kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs],
        }),
        WorkerMetricsModule,
      ],
    })
    class MetricsWorkerModule {}
    worker = await NestFactory.createApplicationContext(MetricsWorkerModule, {
      logger: false,
    });
    await worker.init();
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('reports jobs, steps, SSH and event-loop figures from the worker and GraphQL and queue figures from the API', async () => {
    const ping = await gql<{ pingSystem: { id: string } }>(
      api.graphqlUrl,
      'mutation { pingSystem { id } }',
      {},
      token,
    );
    const id = ping.data?.pingSystem.id ?? '';
    await waitFor(
      async () =>
        (
          await gql<{ job: { status: string } }>(
            api.graphqlUrl,
            `{ job(id: "${id}") { status } }`,
            {},
            token,
          )
        ).data?.job.status === 'SUCCEEDED',
      'the ping job',
      20_000,
    );
    const bad = await gql(
      api.graphqlUrl,
      '{ job(id: "no-such-job") { status } }',
      {},
      token,
    );
    expect(bad.errors).toBeDefined();

    const port = worker.get(WorkerMetrics).port;
    const workerScrape = await (
      await fetch(`http://127.0.0.1:${port}/metrics`)
    ).text();
    expect(
      sample(
        workerScrape,
        'tomo_jobs_total{kind="system.ping",status="SUCCEEDED"}',
      ),
    ).toBe(1);
    expect(
      sample(
        workerScrape,
        'tomo_job_step_duration_seconds_count{kind="system.ping",step="pong",status="SUCCEEDED"}',
      ),
    ).toBe(1);
    expect(sample(workerScrape, 'tomo_ssh_connections')).toBe(0);
    expect(sample(workerScrape, 'tomo_ssh_channel_wait_seconds_count')).toBe(0);
    expect(
      sample(workerScrape, 'tomo_worker_nodejs_eventloop_lag_seconds'),
    ).toBeGreaterThanOrEqual(0);

    const response = await fetch(`${api.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const apiScrape = await response.text();
    expect(
      sample(
        apiScrape,
        'tomo_graphql_requests_total{operation="mutation:pingSystem",outcome="success"}',
      ),
    ).toBe(1);
    expect(
      sample(
        apiScrape,
        'tomo_graphql_requests_total{operation="query:job",outcome="error"}',
      ),
    ).toBe(1);
    expect(
      sample(
        apiScrape,
        'tomo_graphql_request_duration_seconds_count{operation="mutation:setupAdmin",outcome="success"}',
      ),
    ).toBe(1);
    expect(
      sample(
        apiScrape,
        'tomo_queue_jobs{queue="tomo-workflows",state="waiting"}',
      ),
    ).toBe(0);
    expect(
      sample(
        apiScrape,
        'tomo_queue_jobs{queue="tomo-workflows",state="active"}',
      ),
    ).toBe(0);
    expect(
      sample(apiScrape, 'tomo_api_nodejs_eventloop_lag_seconds'),
    ).toBeGreaterThanOrEqual(0);
  });
});
