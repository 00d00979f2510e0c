import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { errorCodes, gql, startTestApi, type TestApi, waitFor, wsClient } from '@tomo/testing';
import { AppModule } from '../app.module';
import { engineOnlyWorker } from './engine-worker.testing';

interface TimelineEvent {
  seq: number;
  type: string;
  step: string | null;
  status: string;
}

/** The walking skeleton through real HTTP and graphql-ws: API → BullMQ → worker → database → API. */
describe('jobs over GraphQL', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    worker = await NestFactory.createApplicationContext(engineOnlyWorker(api, 'jobs-test-worker'), { logger: false });
    await worker.init();
    const setup = await gql<{ setupAdmin: { token: string } }>(
      api.graphqlUrl,
      'mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { token } }',
      { input: { username: 'admin', password: 'pinging the worker through the queue' } },
    );
    token = setup.data?.setupAdmin.token ?? '';
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('runs pingSystem on the worker and shows its result, steps and live timeline', async () => {
    const started = await gql<{ pingSystem: { id: string; kind: string; status: string } }>(
      api.graphqlUrl,
      'mutation { pingSystem { id kind status } }',
      {},
      token,
    );
    expect(started.errors).toBeUndefined();
    const jobId = started.data?.pingSystem.id ?? '';
    expect(started.data?.pingSystem).toMatchObject({ kind: 'system.ping' });

    // A subscriber that joins from seq 0 gets the whole timeline once, ending with the final status.
    const events: TimelineEvent[] = [];
    const client = wsClient(api.wsUrl, token);
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ jobEvents: TimelineEvent }>(
        { query: `subscription { jobEvents(jobId: "${jobId}", afterSeq: 0) { seq type step status } }` },
        {
          next: (result) => {
            if (result.data) events.push(result.data.jobEvents);
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    await client.dispose();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ step: null, status: 'SUCCEEDED' });
    expect(events.some((e) => e.step === 'pong')).toBe(true);

    const job = await waitFor(async () => {
      const result = await gql<{ job: { status: string; result: string; steps: Array<Record<string, unknown>> } }>(
        api.graphqlUrl,
        `{ job(id: "${jobId}") { status result finishedAt steps { name status attempts } } }`,
        {},
        token,
      );
      return result.data?.job.status === 'SUCCEEDED' && result.data.job;
    }, 'the job to succeed');
    expect(JSON.parse(job.result)).toMatchObject({ pong: true, worker: expect.stringContaining(':') });
    expect(job.steps).toEqual([{ name: 'pong', status: 'SUCCEEDED', attempts: 1 }]);

    const listed = await gql<{ jobs: { edges: Array<{ node: { id: string } }> } }>(
      api.graphqlUrl,
      '{ jobs(filter: {kind: "system.ping"}, first: 5) { edges { node { id } } } }',
      {},
      token,
    );
    expect(listed.data?.jobs.edges.map((edge) => edge.node.id)).toContain(jobId);

    const cancelled = await gql(api.graphqlUrl, `mutation { cancelJob(id: "${jobId}") { id } }`, {}, token);
    expect(errorCodes(cancelled)).toEqual(['CONFLICT']);
  });

  it('refuses anonymous callers', async () => {
    const result = await gql(api.graphqlUrl, 'mutation { pingSystem { id } }');
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('names a job that does not exist', async () => {
    const result = await gql(api.graphqlUrl, '{ job(id: "00000000-0000-0000-0000-000000000000") { id } }', {}, token);
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
  });
});
