import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobKind } from '@tomo/shared';
import { errorCodes, gql, setupAdmin, startTestApi, type TestApi, waitFor, wsClient } from '@tomo/testing';
import { JobsService } from '@tomo/workflows';
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
    token = await setupAdmin(api, { username: 'admin', password: 'pinging the worker through the queue' });
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

  it('retryJob and cancelJob need the role that starting the job needs: an OPERATOR cannot re-run or cancel an ADMIN-only marketplace.sync', async () => {
    const password = 'operating the retry button';
    await gql(
      api.graphqlUrl,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      {
        input: { username: 'olivia', password, role: 'OPERATOR' },
      },
      token,
    );
    const login = await gql<{ login: { token: string } }>(
      api.graphqlUrl,
      'mutation($input: LoginInput!) { login(input: $input) { token } }',
      {
        input: { username: 'olivia', password },
      },
    );
    const operator = login.data?.login.token ?? '';
    // The job syncMarketplaceRepo (ADMIN) starts; cancelled, it can be retried.
    const jobs = api.app.get(JobsService);
    const sync = await jobs.create(JobKind.MarketplaceSync, { repoId: 'r' }, { requestedBy: 'admin' });
    const CANCEL = `mutation { cancelJob(id: "${sync.id}") { id } }`;
    const notYours = await gql(api.graphqlUrl, CANCEL, {}, operator);
    expect(errorCodes(notYours)).toEqual(['FORBIDDEN']);
    expect(notYours.errors?.[0].message).toBe(
      'Cancelling a marketplace.sync job requires the ADMIN role (you have OPERATOR)',
    );
    expect((await jobs.get(sync.id)).cancelRequested).toBe(false);
    await gql(api.graphqlUrl, CANCEL, {}, token);
    const ended = await waitFor(async () => {
      const { status } = await jobs.get(sync.id);
      return ['FAILED', 'CANCELLED'].includes(status) && status;
    }, 'the job to end');
    expect(['FAILED', 'CANCELLED']).toContain(ended);

    const RETRY = `mutation { retryJob(id: "${sync.id}") { id kind } }`;
    const refused = await gql(api.graphqlUrl, RETRY, {}, operator);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0].message).toBe(
      'Retrying a marketplace.sync job requires the ADMIN role (you have OPERATOR)',
    );
    const retried = await gql<{ retryJob: { kind: string } }>(api.graphqlUrl, RETRY, {}, token);
    expect(retried.data?.retryJob.kind).toBe('marketplace.sync');
    await gql(
      api.graphqlUrl,
      `mutation { cancelJob(id: "${(retried.data?.retryJob as { id?: string } | undefined)?.id ?? ''}") { id } }`,
      {},
      token,
    );
  });

  it('refuses anonymous callers', async () => {
    const pings = async () => (await api.app.get(JobsService).list({ kind: JobKind.SystemPing }, 100)).jobs.length;
    const before = await pings();
    const result = await gql(api.graphqlUrl, 'mutation { pingSystem { id } }');
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
    expect(await pings()).toBe(before);
  });

  it('names a job that does not exist', async () => {
    const result = await gql(api.graphqlUrl, '{ job(id: "00000000-0000-0000-0000-000000000000") { id } }', {}, token);
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
  });
});
