import { errorCodes, gql, type GqlResult, startTestApi, type TestApi, ThrowawayRedis } from '@tomo/testing';
import { AppModule } from '../app.module';

/** Long enough for any answer on a loaded machine; a request that waits for Redis to come back never gets one. */
const NO_ANSWER_MS = 30_000;

/**
 * The API while its Redis is down (a redis-server of the test's own, SIGKILLed): every operation
 * that needs Redis answers UNAVAILABLE instead of waiting for Redis to come back (found by
 * `npm run chaos -- redis-restart`: the requests hung for as long as Redis was down), and the
 * same API answers normally once Redis is back.
 */
describe('GraphQL while Redis is down', () => {
  let redis: ThrowawayRedis;
  let api: TestApi;
  let token: string;

  const call = (query: string, variables: Record<string, unknown> = {}, bearer = token) =>
    Promise.race([
      gql(api.graphqlUrl, query, variables, bearer),
      new Promise<GqlResult<unknown>>((resolve) =>
        setTimeout(
          () =>
            resolve({
              status: 0,
              errors: [{ message: 'no answer', extensions: { code: 'NO_ANSWER' } }],
              headers: new Headers(),
            }),
          NO_ANSWER_MS,
        ).unref(),
      ),
    ]);
  const SCHEDULES = '{ schedules { name } }';

  beforeAll(async () => {
    redis = await ThrowawayRedis.create();
    await redis.start();
    api = await startTestApi(AppModule.forRoot, { REDIS_URL: redis.url });
    const setup = await gql<{ setupAdmin: { token: string } }>(
      api.graphqlUrl,
      'mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { token } }',
      {
        input: { username: 'admin', password: 'redis down passphrase' },
      },
    );
    token = setup.data?.setupAdmin.token ?? '';
  });

  afterAll(async () => {
    await api?.close();
    await redis?.dispose();
  });

  it('answers UNAVAILABLE (without the address) for queries and mutations that need Redis, and recovers without a restart', async () => {
    expect(errorCodes(await call(SCHEDULES))).toEqual([]);
    await redis.kill();

    // BullMQ's job schedulers, the login attempt limiter, the workflows queue.
    const schedules = await call(SCHEDULES);
    expect(errorCodes(schedules)).toEqual(['UNAVAILABLE']);
    expect(JSON.stringify(schedules.errors)).not.toContain(String(redis.port));
    const login = await call(
      'mutation($input: LoginInput!) { login(input: $input) { token } }',
      { input: { username: 'admin', password: 'redis down passphrase' } },
      '',
    );
    expect(errorCodes(login)).toEqual(['UNAVAILABLE']);
    expect(errorCodes(await call('mutation { pingSystem { id } }'))).toEqual(['UNAVAILABLE']);
    // What does not need Redis still works.
    expect(errorCodes(await call('{ me { id } }'))).toEqual([]);

    await redis.start();
    let answer = await call(SCHEDULES);
    for (let tries = 0; errorCodes(answer).length > 0 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = await call(SCHEDULES);
    }
    expect(errorCodes(answer)).toEqual([]);
  });
});
