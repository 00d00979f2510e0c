import { PasswordHasher } from '@tomo/identity';
import { errorCodes, gql, setupAdmin, startTestApi, type TestApi, wsClient } from '@tomo/testing';
import { AppModule } from '../app.module';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { token } }';
const MAX_FAILURES = 5;

/**
 * Parallel guesses for one username, over HTTP and graphql-ws at once: the lock-out counts each
 * attempt before the password is checked, so no more than LOGIN_MAX_FAILURES checks run however
 * many requests arrive together. (API responsiveness during such a storm: tools/bench/login.bench.ts.)
 */
describe('login storm', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot, {
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_LOCKOUT: '10m',
    });
    await setupAdmin(api, ADMIN);
  });
  afterAll(() => api?.close());

  it('200 concurrent wrong logins for one user run at most LOGIN_MAX_FAILURES password checks', async () => {
    const checks = jest.spyOn(PasswordHasher.prototype, 'verify');
    // 50 graphql-ws logins on 5 connections: one connection holds at most 25 open operations
    // (maxOperationsPerConnection), and under load all 50 can be open at once.
    const sockets = Array.from({ length: 5 }, () => wsClient(api.wsUrl));
    try {
      const overHttp = Array.from({ length: 150 }, (_, i) =>
        gql(api.graphqlUrl, LOGIN, {
          input: {
            username: ADMIN.username,
            password: `wrong guess number ${i}`,
          },
        }).then(errorCodes),
      );
      const overWs = Array.from(
        { length: 50 },
        (_, i) =>
          new Promise<string[]>((resolve, reject) => {
            const codes: string[] = [];
            sockets[i % sockets.length].subscribe(
              {
                query: LOGIN,
                variables: {
                  input: {
                    username: ADMIN.username,
                    password: `wrong ws guess ${i}`,
                  },
                },
              },
              {
                next: (result) => codes.push(...(result.errors ?? []).map((e) => String(e.extensions?.['code']))),
                error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
                complete: () => resolve(codes),
              },
            );
          }),
      );
      const answers = (await Promise.all([...overHttp, ...overWs])).map((codes) => codes.join());

      expect(checks.mock.calls.length).toBeLessThanOrEqual(MAX_FAILURES);
      expect(answers.filter((code) => code === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(MAX_FAILURES);
      expect(answers.filter((code) => code !== 'UNAUTHENTICATED' && code !== 'RATE_LIMITED')).toEqual([]);
      // Locked: the right password is refused too, without a check.
      const right = await gql(api.graphqlUrl, LOGIN, { input: ADMIN });
      expect(errorCodes(right)).toEqual(['RATE_LIMITED']);
      expect(checks.mock.calls.length).toBeLessThanOrEqual(MAX_FAILURES);
    } finally {
      checks.mockRestore();
      await Promise.all(sockets.map((socket) => socket.dispose()));
    }
  });
});
