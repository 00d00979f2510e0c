import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import { SessionEntity } from '@tomo/identity';
import { type GqlResult, errorCodes, firstResult, gql, startTestApi, type TestApi, wsClient } from '@tomo/testing';
import { appWithRoleProbe } from './role-probe.testing';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const AUTH_PAYLOAD = 'token expiresAt user { id username role }';

const SETUP = `mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { ${AUTH_PAYLOAD} } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { ${AUTH_PAYLOAD} } }`;
const ME = '{ me { id username role } }';

/** A password that passes the policy and does not contain the username. */
const passwordOf = (username: string) => `staple ${[...username].reverse().join('')} battery horse`;

type AuthPayload = { token: string; expiresAt: string; user: { id: string; username: string; role: string } };

describe('identity and security over real HTTP', () => {
  let api: TestApi;
  let url: string;

  const login = async (username: string, password: string) => {
    const result = await gql<{ login: AuthPayload }>(url, LOGIN, { input: { username, password } });
    if (!result.data?.login) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
    return result.data.login;
  };
  const createUser = async (adminToken: string, username: string, role: string) => {
    const result = await gql(
      url,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id username role } }',
      { input: { username, password: passwordOf(username), role } },
      adminToken,
    );
    expect(result.errors).toBeUndefined();
    return login(username, passwordOf(username));
  };

  beforeAll(async () => {
    api = await startTestApi(appWithRoleProbe, {
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCKOUT: '10m',
      SUBSCRIPTION_RECHECK: '1s',
    });
    url = api.graphqlUrl;
  });
  afterAll(() => api?.close());

  describe('first run', () => {
    it('reports that setup is required, refuses a weak password naming the field, then creates the admin once', async () => {
      expect((await gql(url, '{ setupRequired }')).data).toEqual({ setupRequired: true });
      const weak = await gql(url, SETUP, { input: { username: 'admin', password: 'password1234' } });
      expect(errorCodes(weak)).toEqual(['BAD_USER_INPUT']);
      expect(weak.errors?.[0].message).toMatch(/^password is too common/);
      const short = await gql(url, SETUP, { input: { username: 'admin', password: 'short' } });
      expect(short.errors?.[0].message).toBe('password must be at least 12 characters (got 5)');

      const setup = await gql<{ setupAdmin: AuthPayload }>(url, SETUP, { input: ADMIN });
      expect(setup.errors).toBeUndefined();
      expect(setup.data?.setupAdmin.user).toEqual({ id: expect.any(String), username: 'admin', role: 'ADMIN' });
      expect(setup.data?.setupAdmin.token.split('.')).toHaveLength(3);
      expect((await gql(url, '{ setupRequired }')).data).toEqual({ setupRequired: false });

      const again = await gql(url, SETUP, { input: { username: 'intruder', password: 'another long passphrase' } });
      expect(errorCodes(again)).toEqual(['CONFLICT']);
    });
  });

  describe('sessions', () => {
    it('setupAdmin → login → me → logout, and the token is refused after logout', async () => {
      const session = await login(ADMIN.username, ADMIN.password);
      const expiresIn = new Date(session.expiresAt).getTime() - Date.now();
      expect(expiresIn).toBeGreaterThan(11.9 * 3_600_000);
      expect(expiresIn).toBeLessThanOrEqual(12 * 3_600_000);

      expect((await gql(url, ME, {}, session.token)).data).toEqual({ me: session.user });
      expect(errorCodes(await gql(url, ME))).toEqual(['UNAUTHENTICATED']);

      const logout = await gql(url, 'mutation { logout }', {}, session.token);
      expect(logout.data).toEqual({ logout: true });
      const after = await gql(url, ME, {}, session.token);
      expect(errorCodes(after)).toEqual(['UNAUTHENTICATED']);
    });

    it('gives the console an httpOnly SameSite=Strict cookie that needs the CSRF header', async () => {
      const result = await gql(url, LOGIN, { input: ADMIN });
      const cookie = result.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^tomo_session=[^;]+;/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).not.toMatch(/Secure/i); // plain HTTP here; Secure over HTTPS
      const pair = cookie.split(';')[0];

      const withoutHeader = await gql(url, ME, {}, { headers: { cookie: pair } });
      expect(errorCodes(withoutHeader)).toEqual(['FORBIDDEN']);
      const withHeader = await gql(url, ME, {}, { headers: { cookie: pair, 'x-tomo-csrf': '1' } });
      expect(withHeader.data).toEqual({ me: expect.objectContaining({ username: 'admin' }) });

      const https = await gql(url, LOGIN, { input: ADMIN }, { headers: { 'x-forwarded-proto': 'https' } });
      expect(https.headers.get('set-cookie')).toMatch(/; Secure/i);
    });

    it('refuses expired, tampered, idle and revoked session tokens', async () => {
      const session = await login(ADMIN.username, ADMIN.password);
      const claims = JSON.parse(Buffer.from(session.token.split('.')[1], 'base64url').toString('utf8')) as {
        sub: string;
        sid: string;
      };
      // Signed with the server's own key, for the live session, but already expired.
      const expired = await api.app
        .get(JwtService)
        .signAsync({ sub: claims.sub, sid: claims.sid }, { audience: 'tomo-session', expiresIn: -10 });
      expect(errorCodes(await gql(url, ME, {}, expired))).toEqual(['UNAUTHENTICATED']);

      const [header, payload] = session.token.split('.');
      const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
      expect(errorCodes(await gql(url, ME, {}, forged))).toEqual(['UNAUTHENTICATED']);

      expect((await gql(url, ME, {}, session.token)).data?.me).toBeDefined();
      // Idle for longer than SESSION_IDLE_TIMEOUT (1h by default).
      const sessions = api.app.get(DataSource).getRepository(SessionEntity);
      await sessions.update(claims.sid, { lastActivityAt: new Date(Date.now() - 2 * 3_600_000) });
      expect(errorCodes(await gql(url, ME, {}, session.token))).toEqual(['UNAUTHENTICATED']);

      // A session the server says has ended (expiresAt passed) is refused even if the JWT is not.
      const other = await login(ADMIN.username, ADMIN.password);
      const otherSid = (
        JSON.parse(Buffer.from(other.token.split('.')[1], 'base64url').toString('utf8')) as { sid: string }
      ).sid;
      await sessions.update(otherSid, { expiresAt: new Date(Date.now() - 1000) });
      expect(errorCodes(await gql(url, ME, {}, other.token))).toEqual(['UNAUTHENTICATED']);
    });

    it('lists sessions and ends one at once with revokeSession', async () => {
      const first = await login(ADMIN.username, ADMIN.password);
      const second = await login(ADMIN.username, ADMIN.password);
      const listed = await gql<{
        sessions: { id: string; current: boolean; userAgent: string | null; ip: string | null }[];
      }>(url, '{ sessions { id current userAgent ip lastActivityAt } }', {}, first.token);
      const current = listed.data?.sessions.find((s) => s.current);
      expect(current).toBeDefined();
      expect(current?.ip).toMatch(/127\.0\.0\.1/);
      const secondSid = (
        JSON.parse(Buffer.from(second.token.split('.')[1], 'base64url').toString('utf8')) as { sid: string }
      ).sid;
      expect(listed.data?.sessions.map((s) => s.id)).toContain(secondSid);

      const revoked = await gql(url, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: secondSid }, first.token);
      expect(revoked.data).toEqual({ revokeSession: true });
      expect(errorCodes(await gql(url, ME, {}, second.token))).toEqual(['UNAUTHENTICATED']);
      expect((await gql(url, ME, {}, first.token)).data?.me).toBeDefined();
    });

    it('changes a password: the other sessions end, the current one stays', async () => {
      await createUser((await login(ADMIN.username, ADMIN.password)).token, 'carol', 'VIEWER');
      const a = await login('carol', passwordOf('carol'));
      const b = await login('carol', passwordOf('carol'));
      const change = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) }';
      const wrong = await gql(
        url,
        change,
        { input: { currentPassword: 'not my password!!', newPassword: 'a new long passphrase' } },
        a.token,
      );
      expect(errorCodes(wrong)).toEqual(['BAD_USER_INPUT']);
      expect(wrong.errors?.[0].message).toBe('currentPassword is not correct');
      const ok = await gql(
        url,
        change,
        { input: { currentPassword: passwordOf('carol'), newPassword: 'a new long passphrase' } },
        a.token,
      );
      expect(ok.data).toEqual({ changePassword: true });
      expect((await gql(url, ME, {}, a.token)).data?.me).toBeDefined();
      expect(errorCodes(await gql(url, ME, {}, b.token))).toEqual(['UNAUTHENTICATED']);
      await expect(login('carol', 'a new long passphrase')).resolves.toBeDefined();
    });
  });

  describe('API tokens', () => {
    it('works for GraphQL, is stored hashed, listed without the secret, and refused after revocation', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const created = await gql<{
        createApiToken: {
          token: string;
          apiToken: { id: string; name: string; role: string; prefix: string; expiresAt: string };
        };
      }>(
        url,
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id name role prefix expiresAt } } }',
        { input: { name: 'ci script', role: 'OPERATOR', expiresInDays: 30 } },
        admin.token,
      );
      expect(created.errors).toBeUndefined();
      if (!created.data) throw new Error('createApiToken returned no data');
      const { token, apiToken } = created.data.createApiToken;
      expect(token).toMatch(/^tomo_[A-Za-z0-9_-]{43}$/);
      expect(apiToken).toMatchObject({ name: 'ci script', role: 'OPERATOR', prefix: token.slice(0, 9) });
      expect(new Date(apiToken.expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);

      // The token acts with its own role (OPERATOR), not its owner's.
      expect((await gql(url, ME, {}, token)).data).toEqual({ me: admin.user });
      expect(errorCodes(await gql(url, '{ users { id } }', {}, token))).toEqual(['FORBIDDEN']);
      expect((await gql(url, 'mutation { probeOperatorAction }', {}, token)).data).toEqual({
        probeOperatorAction: true,
      });

      const rows: { tokenHash: string }[] = await api.app.get(DataSource).query('SELECT "tokenHash" FROM api_token');
      expect(rows.some((row) => row.tokenHash === token || row.tokenHash.includes(token.slice(5)))).toBe(false);
      const list = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
        body: JSON.stringify({ query: '{ apiTokens { id name role prefix owner lastUsedAt revokedAt } }' }),
      });
      const listText = await list.text();
      expect(listText).toContain(apiToken.id);
      expect(listText).toContain('"lastUsedAt":"');
      expect(listText).not.toContain(token);

      const revoke = await gql(
        url,
        'mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }',
        { id: apiToken.id },
        admin.token,
      );
      expect(revoke.data).toEqual({ revokeApiToken: { revokedAt: expect.any(String) } });
      expect(errorCodes(await gql(url, ME, {}, token))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await gql(url, ME, {}, 'tomo_thisTokenDoesNotExistxxxxxxxxxxxxxxxxxxxxx'))).toEqual([
        'UNAUTHENTICATED',
      ]);
    });

    it('a token made with a token expires no later than it and is revoked with it', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const create =
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id expiresAt } } }';
      type Created = { createApiToken: { token: string; apiToken: { id: string; expiresAt: string | null } } };
      const parent = await gql<Created>(url, create, { input: { name: 'parent', expiresInDays: 2 } }, admin.token);
      const parentToken = parent.data?.createApiToken.token ?? '';
      const child = await gql<Created>(url, create, { input: { name: 'child, asks for forever' } }, parentToken);
      const grandchild = await gql<Created>(
        url,
        create,
        { input: { name: 'grandchild', expiresInDays: 365 } },
        child.data?.createApiToken.token ?? '',
      );
      const parentExpiry = parent.data?.createApiToken.apiToken.expiresAt;
      expect(parentExpiry).toEqual(expect.any(String));
      expect(child.data?.createApiToken.apiToken.expiresAt).toBe(parentExpiry);
      expect(grandchild.data?.createApiToken.apiToken.expiresAt).toBe(parentExpiry);
      const grandchildToken = grandchild.data?.createApiToken.token ?? '';
      expect(errorCodes(await gql(url, ME, {}, grandchildToken))).toEqual([]);

      await gql(
        url,
        'mutation($id: ID!) { revokeApiToken(id: $id) { id } }',
        { id: parent.data?.createApiToken.apiToken.id },
        admin.token,
      );
      expect(errorCodes(await gql(url, ME, {}, child.data?.createApiToken.token ?? ''))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await gql(url, ME, {}, grandchildToken))).toEqual(['UNAUTHENTICATED']);
    });

    it('never grants more than the creator has', async () => {
      const viewer = await createUser((await login(ADMIN.username, ADMIN.password)).token, 'vera', 'VIEWER');
      const create = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }';
      const tooStrong = await gql(url, create, { input: { name: 'escalate', role: 'ADMIN' } }, viewer.token);
      expect(errorCodes(tooStrong)).toEqual(['FORBIDDEN']);
      const badDays = await gql(url, create, { input: { name: 'x', expiresInDays: 0 } }, viewer.token);
      expect(badDays.errors?.[0].message).toBe('expiresInDays must be a whole number from 1 to 3650');
    });
  });

  describe('roles', () => {
    it('walks the role matrix: viewer reads, operator operates, only admin manages users', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const operator = await createUser(admin.token, 'oscar', 'OPERATOR');
      const viewer = await createUser(admin.token, 'victor', 'VIEWER');
      const newUser = (name: string) => ({
        input: { username: name, password: 'yet another passphrase', role: 'VIEWER' },
      });
      const createUserOp = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';

      const matrix: [
        string,
        string,
        Record<string, unknown>,
        { admin: boolean; operator: boolean; viewer: boolean },
      ][] = [
        ['read', ME, {}, { admin: true, operator: true, viewer: true }],
        ['operate', 'mutation { probeOperatorAction }', {}, { admin: true, operator: true, viewer: false }],
        ['list users', '{ users { id } }', {}, { admin: true, operator: false, viewer: false }],
        ['audit log', '{ auditLog(first: 1) { nodes { id } } }', {}, { admin: true, operator: false, viewer: false }],
      ];
      for (const [what, query, variables, allowed] of matrix) {
        for (const [who, token] of [
          ['admin', admin.token],
          ['operator', operator.token],
          ['viewer', viewer.token],
        ] as const) {
          const result = await gql(url, query, variables, token);
          expect({ what, who, codes: errorCodes(result) }).toEqual({
            what,
            who,
            codes: allowed[who] ? [] : ['FORBIDDEN'],
          });
        }
      }
      expect(errorCodes(await gql(url, createUserOp, newUser('by-viewer'), viewer.token))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(url, createUserOp, newUser('by-operator'), operator.token))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(url, createUserOp, newUser('by-admin'), admin.token))).toEqual([]);
      const update = 'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { role } }';
      expect(
        errorCodes(await gql(url, update, { id: viewer.user.id, input: { role: 'ADMIN' } }, operator.token)),
      ).toEqual(['FORBIDDEN']);
      expect(errorCodes(await gql(url, createUserOp, newUser('by-admin'), admin.token))).toEqual(['CONFLICT']);
    });

    it('applies a role change at once and ends sessions and API tokens on an admin password reset', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const user = await createUser(admin.token, 'paula', 'VIEWER');
      const update =
        'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { role disabled } }';
      expect(errorCodes(await gql(url, 'mutation { probeOperatorAction }', {}, user.token))).toEqual(['FORBIDDEN']);
      await gql(url, update, { id: user.user.id, input: { role: 'OPERATOR' } }, admin.token);
      expect((await gql(url, 'mutation { probeOperatorAction }', {}, user.token)).data).toEqual({
        probeOperatorAction: true,
      });

      const apiToken = await gql<{ createApiToken: { token: string } }>(
        url,
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
        { input: { name: 'made before the reset' } },
        user.token,
      );
      const reset = await gql(
        url,
        update,
        { id: user.user.id, input: { password: 'reset by the admin today' } },
        admin.token,
      );
      expect(reset.errors).toBeUndefined();
      expect(errorCodes(await gql(url, ME, {}, user.token))).toEqual(['UNAUTHENTICATED']);
      // The reset revokes the user's API tokens too.
      expect(errorCodes(await gql(url, ME, {}, apiToken.data?.createApiToken.token ?? ''))).toEqual([
        'UNAUTHENTICATED',
      ]);
      await expect(login('paula', 'reset by the admin today')).resolves.toBeDefined();

      const lastAdmin = await gql(url, update, { id: admin.user.id, input: { role: 'VIEWER' } }, admin.token);
      expect(errorCodes(lastAdmin)).toEqual(['CONFLICT']);
    });
  });

  describe('subscriptions over graphql-ws', () => {
    it('authenticate from connectionParams.authorization', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const anonymous = wsClient(api.wsUrl);
      const signedIn = wsClient(api.wsUrl, admin.token);
      try {
        const refused = await firstResult(anonymous, 'subscription { probeTicks }');
        expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        expect(await firstResult(signedIn, 'subscription { probeTicks }')).toEqual({ data: { probeTicks: 'tick' } });
        await gql(url, 'mutation { logout }', {}, admin.token);
        const afterLogout = await firstResult(signedIn, 'subscription { probeTicks }');
        expect(afterLogout.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      } finally {
        await anonymous.dispose();
        await signedIn.dispose();
      }
    });
  });

  describe('live subscriptions', () => {
    interface Watch {
      updates: number;
      endedWith: string | null;
      ended: boolean;
    }
    /** Watches jobUpdated: counts updates, and records how the stream ended (an error's code, or completion). */
    const watch = (client: ReturnType<typeof wsClient>): Watch => {
      const seen: Watch = { updates: 0, endedWith: null, ended: false };
      client.subscribe<{ jobUpdated: { id: string } }>(
        { query: 'subscription { jobUpdated { id } }' },
        {
          next: (result) => {
            if (result.data) seen.updates += 1;
          },
          error: (error) => {
            const errors = error as { extensions?: { code?: string } }[];
            seen.endedWith = Array.isArray(errors) ? (errors[0]?.extensions?.code ?? 'no code') : String(error);
            seen.ended = true;
          },
          complete: () => {
            seen.ended = true;
          },
        },
      );
      return seen;
    };
    const until = async (
      condition: () => boolean,
      what: string,
      meanwhile: () => Promise<unknown> = async () => undefined,
    ) => {
      const deadline = Date.now() + 10_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await meanwhile();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    /** A new job: every jobUpdated stream that is live sees it. */
    const newJob = async (adminToken: string) => {
      expect((await gql(url, 'mutation { pingSystem { id } }', {}, adminToken)).errors).toBeUndefined();
    };

    it('end with UNAUTHENTICATED soon after the caller signs out (SUBSCRIPTION_RECHECK), while other callers stream on', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const watcher = await createUser(admin.token, 'watcher', 'VIEWER');
      const watcherClient = wsClient(api.wsUrl, watcher.token);
      const adminClient = wsClient(api.wsUrl, admin.token);
      try {
        const watcherStream = watch(watcherClient);
        const adminStream = watch(adminClient);
        // Both streams are live once a new job reaches them (subscribing takes a moment: try until it does).
        await until(
          () => watcherStream.updates > 0 && adminStream.updates > 0,
          'both streams to see a new job',
          () => newJob(admin.token),
        );

        expect((await gql(url, 'mutation { logout }', {}, watcher.token)).data).toEqual({ logout: true });
        await until(() => watcherStream.ended, "the signed-out caller's stream to end");
        expect(watcherStream.endedWith).toBe('UNAUTHENTICATED');

        // The admin's stream outlived several re-checks and still delivers.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const before = adminStream.updates;
        await newJob(admin.token);
        await until(() => adminStream.updates > before, "the admin's stream to see the next job");
        expect(adminStream.ended).toBe(false);
      } finally {
        await watcherClient.dispose();
        await adminClient.dispose();
      }
    });

    it('end when the API token they were opened with is revoked', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const created = await gql<{ createApiToken: { token: string; apiToken: { id: string } } }>(
        url,
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }',
        { input: { name: 'dashboard screen', role: 'VIEWER', expiresInDays: 30 } },
        admin.token,
      );
      expect(created.errors).toBeUndefined();
      const { token, apiToken } = created.data?.createApiToken ?? { token: '', apiToken: { id: '' } };
      const client = wsClient(api.wsUrl, token);
      try {
        const stream = watch(client);
        await until(
          () => stream.updates > 0,
          'the stream to see a new job',
          () => newJob(admin.token),
        );
        const revoked = await gql(
          url,
          'mutation($id: ID!) { revokeApiToken(id: $id) { id } }',
          { id: apiToken.id },
          admin.token,
        );
        expect(revoked.errors).toBeUndefined();
        await until(() => stream.ended, 'the stream to end');
        expect(stream.endedWith).toBe('UNAUTHENTICATED');
      } finally {
        await client.dispose();
      }
    });
  });

  describe('brute force', () => {
    it('locks a username out after LOGIN_MAX_FAILURES, with the same answers whether it exists or not', async () => {
      const attempt = (username: string, password: string) => gql(url, LOGIN, { input: { username, password } });
      const answers = async (username: string) => {
        const seen: GqlResult[] = [];
        for (let i = 0; i < 4; i += 1) seen.push(await attempt(username, `wrong password number ${i}`));
        return seen.map((r) => `${errorCodes(r).join()}: ${r.errors?.[0].message}`);
      };
      const expected = [
        'UNAUTHENTICATED: Invalid username or password',
        'UNAUTHENTICATED: Invalid username or password',
        'UNAUTHENTICATED: Invalid username or password',
        'RATE_LIMITED: Too many attempts. Try again in 10 minutes.',
      ];
      await createUser((await login(ADMIN.username, ADMIN.password)).token, 'mallory', 'VIEWER');
      expect(await answers('mallory')).toEqual(expected);
      expect(await answers('nobody-by-this-name')).toEqual(expected);
      // Locked: even the right password is refused until the lock-out ends.
      const locked = await attempt('mallory', passwordOf('mallory'));
      expect(errorCodes(locked)).toEqual(['RATE_LIMITED']);
      // When to retry: what is left of the lock-out (LOGIN_LOCKOUT 10m), read from the limiter's key.
      const retryAfter = locked.errors?.[0].extensions?.retryAfterSeconds;
      expect(retryAfter).toEqual(expect.any(Number));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
      // Other users are not affected.
      await expect(login(ADMIN.username, ADMIN.password)).resolves.toBeDefined();
    });
  });

  describe('audit log', () => {
    it('records who did what to which target and how it ended, never secrets, newest first, paginated', async () => {
      const admin = await login(ADMIN.username, ADMIN.password);
      const query = `query($first: Int!, $after: String) { auditLog(first: $first, after: $after) {
        nodes { id at actorType actorName action targetType targetId outcome errorCode details }
        pageInfo { endCursor hasNextPage } } }`;
      type Page = {
        auditLog: { nodes: Record<string, string | null>[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
      };
      const first = await gql<Page>(url, query, { first: 5 }, admin.token);
      expect(first.errors).toBeUndefined();
      expect(first.data?.auditLog.nodes).toHaveLength(5);
      expect(first.data?.auditLog.pageInfo.hasNextPage).toBe(true);
      const second = await gql<Page>(
        url,
        query,
        { first: 500, after: first.data?.auditLog.pageInfo.endCursor },
        admin.token,
      );
      expect(second.errors?.[0].message).toBe('first must be a whole number from 1 to 200');
      const all = await gql<Page>(url, query, { first: 200 }, admin.token);
      const entries = all.data?.auditLog.nodes ?? [];
      expect(entries.length).toBeGreaterThan(20);
      const ids = entries.map((e) => Number(e.id));
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);

      expect(entries).toContainEqual(
        expect.objectContaining({
          action: 'setupAdmin',
          actorType: 'user',
          actorName: 'admin',
          outcome: 'SUCCESS',
          targetType: 'user',
        }),
      );
      expect(entries).toContainEqual(
        expect.objectContaining({
          action: 'createUser',
          actorName: 'admin',
          outcome: 'SUCCESS',
          targetType: 'user',
          targetId: expect.any(String),
        }),
      );
      expect(entries).toContainEqual(
        expect.objectContaining({
          action: 'login',
          actorType: 'anonymous',
          outcome: 'FAILURE',
          errorCode: 'RATE_LIMITED',
        }),
      );
      expect(entries).toContainEqual(
        expect.objectContaining({
          action: 'createUser',
          actorName: 'oscar',
          outcome: 'FAILURE',
          errorCode: 'FORBIDDEN',
        }),
      );
      expect(entries).toContainEqual(
        expect.objectContaining({ action: 'revokeApiToken', outcome: 'SUCCESS', targetType: 'api-token' }),
      );
      const text = JSON.stringify(entries);
      expect(text).toContain('[redacted]');
      for (const secret of [
        ADMIN.password,
        'a new long passphrase',
        'reset by the admin today',
        'wrong password number',
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/tomo_[A-Za-z0-9_-]{20}/);

      // Filtered by actor and action (exact), paged by the same cursors: pages of 1 add up to
      // exactly the matching entries of the unfiltered list, in the same order.
      const filtered = `query($first: Int!, $after: String, $actor: String, $action: String) {
        auditLog(first: $first, after: $after, actor: $actor, action: $action) { nodes { id } pageInfo { endCursor hasNextPage } } }`;
      const expectedIds = entries.filter((e) => e.actorName === 'admin' && e.action === 'createUser').map((e) => e.id);
      expect(expectedIds.length).toBeGreaterThan(1);
      const pagedIds: (string | null)[] = [];
      let after: string | null = null;
      for (;;) {
        const page: GqlResult<Page> = await gql<Page>(
          url,
          filtered,
          { first: 1, after, actor: 'admin', action: 'createUser' },
          admin.token,
        );
        expect(page.errors).toBeUndefined();
        pagedIds.push(...(page.data?.auditLog.nodes ?? []).map((n) => n.id));
        if (!page.data?.auditLog.pageInfo.hasNextPage) break;
        after = page.data.auditLog.pageInfo.endCursor;
      }
      expect(pagedIds).toEqual(expectedIds);
      const byAction = await gql<Page>(url, filtered, { first: 200, action: 'revokeApiToken' }, admin.token);
      expect(byAction.data?.auditLog.nodes.length).toBe(entries.filter((e) => e.action === 'revokeApiToken').length);
      const none = await gql<Page>(url, filtered, { first: 200, actor: 'Admin' }, admin.token);
      expect(none.data?.auditLog.nodes).toEqual([]);
      const blank = await gql<Page>(url, filtered, { first: 5, action: ' ' }, admin.token);
      expect(blank.errors?.[0].message).toBe('action must be 1 to 64 characters');
    });
  });
});
