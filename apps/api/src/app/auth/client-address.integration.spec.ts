import { gql, setupAdmin, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { token } }';

/** The address a sign-in records, with and without TRUSTED_PROXIES (the tests connect from 127.0.0.1). */
describe('client address behind a reverse proxy', () => {
  const sessionIpAfterLogin = async (api: TestApi, forwardedFor: string) => {
    const login = await gql<{ login: { token: string } }>(
      api.graphqlUrl,
      LOGIN,
      { input: ADMIN },
      {
        headers: { 'x-forwarded-for': forwardedFor },
      },
    );
    const token = login.data?.login.token ?? '';
    const sessions = await gql<{ sessions: { ip: string | null; current: boolean }[] }>(
      api.graphqlUrl,
      '{ sessions { ip current } }',
      {},
      token,
    );
    return sessions.data?.sessions.find((session) => session.current)?.ip;
  };
  const withApi = async (env: Record<string, string>, run: (api: TestApi) => Promise<void>) => {
    const api = await startTestApi(AppModule.forRoot, env);
    try {
      await setupAdmin(api, ADMIN);
      await run(api);
    } finally {
      await api.close();
    }
  };

  it('ignores X-Forwarded-For unless TRUSTED_PROXIES names the peer', async () => {
    await withApi({}, async (api) => {
      expect(await sessionIpAfterLogin(api, '203.0.113.7')).toMatch(/127\.0\.0\.1$/);
    });
  });

  it('believes a trusted proxy, and only the hops it and other trusted proxies added', async () => {
    await withApi({ TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/8' }, async (api) => {
      expect(await sessionIpAfterLogin(api, '203.0.113.7')).toBe('203.0.113.7');
      // The client wrote the left entry itself; the proxies appended the rest.
      expect(await sessionIpAfterLogin(api, '198.51.100.1, 203.0.113.9, 10.1.2.3')).toBe('203.0.113.9');
    });
  });
});
