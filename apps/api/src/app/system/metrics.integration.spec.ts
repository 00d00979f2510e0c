import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { errorCodes, gql, setupAdmin, startTestApi, type TestApi, waitFor } from '@tomo/testing';
import { AppModule } from '../app.module';
import { engineOnlyWorker } from '../jobs/engine-worker.testing';

const ADMIN = {
  username: 'admin',
  password: 'metrics are for the people on call',
};

/** The value of one sample line, e.g. `tomo_queue_jobs{queue="tomo-workflows",state="waiting"}`. */
function sample(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics of the API', () => {
  let api: TestApi;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    worker = await NestFactory.createApplicationContext(engineOnlyWorker(api, 'metrics-test-worker'), {
      logger: false,
    });
    await worker.init();
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('counts and times GraphQL operations by outcome and reports the queue', async () => {
    const token = await setupAdmin(api, ADMIN);
    const ping = await gql<{ pingSystem: { id: string } }>(api.graphqlUrl, 'mutation { pingSystem { id } }', {}, token);
    const id = ping.data?.pingSystem.id ?? '';
    await waitFor(
      async () =>
        (await gql<{ job: { status: string } }>(api.graphqlUrl, `{ job(id: "${id}") { status } }`, {}, token)).data?.job
          .status === 'SUCCEEDED',
      'the ping job',
      20_000,
    );
    const bad = await gql(api.graphqlUrl, '{ job(id: "no-such-job") { status } }', {}, token);
    expect(errorCodes(bad)).toEqual(['NOT_FOUND']);

    const response = await fetch(`${api.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const scrape = await response.text();
    expect(sample(scrape, 'tomo_graphql_requests_total{operation="mutation:pingSystem",outcome="success"}')).toBe(1);
    expect(sample(scrape, 'tomo_graphql_requests_total{operation="query:job",outcome="error"}')).toBe(1);
    expect(
      sample(scrape, 'tomo_graphql_request_duration_seconds_count{operation="mutation:setupAdmin",outcome="success"}'),
    ).toBe(1);
    expect(sample(scrape, 'tomo_queue_jobs{queue="tomo-workflows",state="waiting"}')).toBe(0);
    expect(sample(scrape, 'tomo_queue_jobs{queue="tomo-workflows",state="active"}')).toBe(0);
    expect(sample(scrape, 'tomo_api_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});
