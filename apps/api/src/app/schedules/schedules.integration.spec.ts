import { errorCodes, gql, setupAdmin, signInNewUser, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

const ADMIN = { username: 'admin', password: 'schedules are a maintenance affair' };
const OPERATOR = { username: 'olivia', password: 'runs things but does not pause them' };
const SCHEDULE_FIELDS = 'name kind everySeconds paused nextRunAt lastRunAt lastJobId lastStatus';

describe('schedules over GraphQL', () => {
  let api: TestApi;
  let adminToken: string;
  let operatorToken: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    adminToken = await setupAdmin(api, ADMIN);
    operatorToken = await signInNewUser(api, adminToken, { ...OPERATOR, role: 'OPERATOR' });
  });

  afterAll(() => api?.close());

  it('lists the platform schedules', async () => {
    const result = await gql<{ schedules: Array<Record<string, unknown>> }>(
      api.graphqlUrl,
      `{ schedules { ${SCHEDULE_FIELDS} } }`,
      {},
      operatorToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.schedules.map((s) => s['name'])).toEqual([
      'backup-database',
      'collect-server-metrics',
      'prune-images',
      'prune-jobs',
      'prune-sessions',
      'reconcile-deployments',
    ]);
    const prune = result.data?.schedules.find((s) => s['name'] === 'prune-jobs');
    // No worker has installed the BullMQ schedulers yet, so there is no next run.
    expect(prune).toMatchObject({
      kind: 'maintenance.prune-jobs',
      everySeconds: 86_400,
      paused: false,
      lastRunAt: null,
      nextRunAt: null,
    });
  });

  it('installs the job scheduler when an admin resumes a schedule', async () => {
    const resumed = await gql<{ pauseSchedule: Record<string, unknown> }>(
      api.graphqlUrl,
      `mutation { pauseSchedule(name: "reconcile-deployments", paused: false) { ${SCHEDULE_FIELDS} } }`,
      {},
      adminToken,
    );
    expect(resumed.data?.pauseSchedule).toMatchObject({ paused: false });
    expect(Date.parse(String(resumed.data?.pauseSchedule['nextRunAt']))).toBeGreaterThan(Date.now() - 300_000);
  });

  it('runs a schedule now (operator) and pauses it (admin only)', async () => {
    const run = await gql<{ runSchedule: { id: string; kind: string; status: string } }>(
      api.graphqlUrl,
      'mutation { runSchedule(name: "prune-jobs") { id kind status } }',
      {},
      operatorToken,
    );
    expect(run.data?.runSchedule).toMatchObject({ kind: 'maintenance.prune-jobs', status: 'QUEUED' });

    const refused = await gql(
      api.graphqlUrl,
      'mutation { pauseSchedule(name: "prune-jobs", paused: true) { paused } }',
      {},
      operatorToken,
    );
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);

    const paused = await gql<{ pauseSchedule: Record<string, unknown> }>(
      api.graphqlUrl,
      `mutation { pauseSchedule(name: "prune-jobs", paused: true) { ${SCHEDULE_FIELDS} } }`,
      {},
      adminToken,
    );
    expect(paused.data?.pauseSchedule).toMatchObject({
      paused: true,
      nextRunAt: null,
      lastJobId: run.data?.runSchedule.id,
    });
  });

  it('names an unknown schedule in a NOT_FOUND error', async () => {
    const result = await gql(api.graphqlUrl, 'mutation { runSchedule(name: "nope") { id } }', {}, adminToken);
    expect(errorCodes(result)).toEqual(['NOT_FOUND']);
    expect(result.errors?.[0]?.message).toContain('Schedule "nope" does not exist');
  });
});
