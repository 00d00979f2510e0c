import { CSRF_HEADER, Role, SESSION_COOKIE } from '@tomo/shared';
import { errorCodes, firstResult, gql, startTestApi, type TestApi, wsClient } from '@tomo/testing';
import { operationAccess, ruleAllows } from './operation-access';
import { appWithRoleProbe } from './role-probe.testing';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const IDLE_TIMEOUT_S = 600;
const ME = '{ me { id role sessionExpiresAt permissions } }';

type Me = {
  me: {
    id: string;
    role: string;
    sessionExpiresAt: string | null;
    permissions: string[];
  };
};

/** What the console gets from the API about its session: cookie over graphql-ws, idle time-out, permissions. */
describe('the console session', () => {
  let api: TestApi;
  let adminToken: string;
  let adminCookie: string;
  let adminExpiresAt: string;
  let signedInAt: number;

  const tick = async (headers: Record<string, string>) => {
    const client = wsClient(api.wsUrl, { headers });
    try {
      return await firstResult<{ probeTicks: string }>(client, 'subscription { probeTicks }');
    } finally {
      await client.dispose();
    }
  };

  beforeAll(async () => {
    api = await startTestApi(appWithRoleProbe, {
      SESSION_IDLE_TIMEOUT: `${IDLE_TIMEOUT_S}s`,
    });
    signedInAt = Date.now();
    const setup = await gql<{
      setupAdmin: { token: string; expiresAt: string };
    }>(api.graphqlUrl, 'mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { token expiresAt } }', {
      input: ADMIN,
    });
    if (!setup.data) throw new Error(`setup failed: ${JSON.stringify(setup.errors)}`);
    adminToken = setup.data.setupAdmin.token;
    adminExpiresAt = setup.data.setupAdmin.expiresAt;
    adminCookie = (setup.headers.get('set-cookie') ?? '').split(';')[0];
    expect(adminCookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
  });
  afterAll(() => api?.close());

  describe('graphql-ws with the session cookie', () => {
    it('is accepted from the API’s own origin', async () => {
      const origin = api.url; // http://127.0.0.1:<port>, the host the socket connects to
      expect(await tick({ cookie: adminCookie, origin })).toEqual({
        data: { probeTicks: 'tick' },
      });
      // Behind a reverse proxy that names the host the browser used.
      const proxied = { cookie: adminCookie, origin: 'https://tomo.example', 'x-forwarded-host': 'tomo.example' };
      expect(await tick(proxied)).toEqual({ data: { probeTicks: 'tick' } });
    });

    it('is refused from another origin (cross-site WebSocket hijacking) and without an Origin', async () => {
      const crossSite = await tick({
        cookie: adminCookie,
        origin: 'https://attacker.example',
      });
      expect(crossSite.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const sameHostOtherPort = await tick({
        cookie: adminCookie,
        origin: 'http://127.0.0.1:1',
      });
      expect(sameHostOtherPort.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const noOrigin = await tick({ cookie: adminCookie });
      expect(noOrigin.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    });

    it('is refused once the session ended, and connectionParams still work without a cookie', async () => {
      const login = await gql<{ login: { token: string } }>(
        api.graphqlUrl,
        'mutation($input: LoginInput!) { login(input: $input) { token } }',
        { input: ADMIN },
      );
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const token = login.data?.login.token ?? '';
      expect(await tick({ cookie, origin: api.url })).toEqual({
        data: { probeTicks: 'tick' },
      });
      await gql(api.graphqlUrl, 'mutation { logout }', {}, token);
      const ended = await tick({ cookie, origin: api.url });
      expect(ended.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);

      const bearer = wsClient(api.wsUrl, adminToken);
      try {
        expect(await firstResult(bearer, 'subscription { probeTicks }')).toEqual({ data: { probeTicks: 'tick' } });
      } finally {
        await bearer.dispose();
      }
    });
  });

  describe('me', () => {
    it('tells when the session idles out: activity + SESSION_IDLE_TIMEOUT, never after the session’s expiry', async () => {
      const result = await gql<Me>(api.graphqlUrl, ME, {}, { headers: { cookie: adminCookie, [CSRF_HEADER]: '1' } });
      expect(result.errors).toBeUndefined();
      const expiresAt = Date.parse(result.data?.me.sessionExpiresAt ?? '');
      expect(expiresAt).toBeGreaterThanOrEqual(signedInAt + IDLE_TIMEOUT_S * 1000 - 1000); // stored with second precision at worst
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + IDLE_TIMEOUT_S * 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.parse(adminExpiresAt));
    });

    it('lists the operations the caller may run, from the rules the AuthGuard enforces', async () => {
      const access = operationAccess(api.app);
      const allowedTo = (role: Role) =>
        access.filter((entry) => ruleAllows(entry.rule, role)).map((entry) => entry.operation);

      const admin = await gql<Me>(api.graphqlUrl, ME, {}, adminToken);
      expect(admin.data?.me.permissions).toEqual(allowedTo(Role.Admin));
      expect(admin.data?.me.permissions).toEqual(
        expect.arrayContaining(['Mutation.createUser', 'Mutation.addServer', 'Query.me', 'Mutation.login']),
      );
      // Deny by default: an operation without a declaration is nobody's.
      expect(admin.data?.me.permissions).not.toContain('Query.probeUndeclared');

      const created = await gql<{ createApiToken: { token: string } }>(
        api.graphqlUrl,
        'mutation { createApiToken(input: { name: "read-only", role: VIEWER }) { token } }',
        {},
        adminToken,
      );
      const viewerToken = created.data?.createApiToken.token ?? '';
      const viewer = await gql<Me>(api.graphqlUrl, ME, {}, viewerToken);
      // The admin's own record, seen through a VIEWER token: what that token may do, and no session.
      expect(viewer.data?.me).toMatchObject({
        role: 'ADMIN',
        sessionExpiresAt: null,
      });
      expect(viewer.data?.me.permissions).toEqual(allowedTo(Role.Viewer));
      expect(viewer.data?.me.permissions).toEqual(expect.arrayContaining(['Query.servers', 'Subscription.jobUpdated']));
      expect(viewer.data?.me.permissions).not.toContain('Mutation.addServer');
      // The rule the console reads is the one the API applies.
      expect(errorCodes(await gql(api.graphqlUrl, 'mutation { probeOperatorAction }', {}, viewerToken))).toEqual([
        'FORBIDDEN',
      ]);
      expect(admin.data?.me.permissions).toContain('Mutation.probeOperatorAction');
      expect(viewer.data?.me.permissions).not.toContain('Mutation.probeOperatorAction');
    });

    it('reports other users by their role, without a session time', async () => {
      await gql(
        api.graphqlUrl,
        'mutation { createUser(input: { username: "olivia", password: "staple aivilo battery horse", role: OPERATOR }) { id } }',
        {},
        adminToken,
      );
      const users = await gql<{
        users: {
          username: string;
          sessionExpiresAt: string | null;
          permissions: string[];
        }[];
      }>(api.graphqlUrl, '{ users { username sessionExpiresAt permissions } }', {}, adminToken);
      const olivia = users.data?.users.find((user) => user.username === 'olivia');
      expect(olivia?.sessionExpiresAt).toBeNull();
      expect(olivia?.permissions).toContain('Mutation.addServer');
      expect(olivia?.permissions).not.toContain('Mutation.createUser');
    });
  });
});
