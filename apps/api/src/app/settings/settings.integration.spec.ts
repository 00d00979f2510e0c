import { errorCodes, gql, gqlOk, setupAdmin, signInNewUser, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const SETTINGS =
  'sessionIdleTimeoutSeconds jwtExpiresInSeconds jobRetentionDays metricsRetentionDays auditRetentionDays backupsToKeep diskLowPercent defaultPullPolicy schedules { name everySeconds }';
const UPDATE = `mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) { ${SETTINGS} } }`;

/** settings / updateSettings and the preferences over GraphQL, on a real API, SQLite file and Redis. */
describe('settings API', () => {
  let api: TestApi;
  let admin: string;
  let viewer: string;

  const ok = <T>(query: string, variables: Record<string, unknown>, token: string) =>
    gqlOk<T>(api, query, variables, token);
  const login = (username: string, password: string) =>
    ok<{ login: { token: string; expiresAt: string } }>(
      'mutation($input: LoginInput!) { login(input: $input) { token expiresAt } }',
      { input: { username, password } },
      '',
    );

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot, {
      JWT_EXPIRES_IN: '2h',
      SESSION_IDLE_TIMEOUT: '30m',
      BACKUPS_TO_KEEP: '5',
      DISK_LOW_PERCENT: '85',
    });
    admin = await setupAdmin(api, ADMIN);
    viewer = await signInNewUser(api, admin, {
      username: 'victor',
      password: 'staple battery horse correct',
      role: 'VIEWER',
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('shows the environment as defaults, refuses bad values naming each field, stores and audits a change', async () => {
    const { settings } = await ok<{ settings: Record<string, unknown> }>(
      `query { settings { ${SETTINGS} } }`,
      {},
      admin,
    );
    expect(settings).toMatchObject({
      sessionIdleTimeoutSeconds: 1_800,
      jwtExpiresInSeconds: 7_200,
      jobRetentionDays: 30,
      backupsToKeep: 5,
      diskLowPercent: 85,
      defaultPullPolicy: 'IF_MISSING',
    });
    expect(settings['schedules']).toEqual(expect.arrayContaining([{ name: 'prune-jobs', everySeconds: 86_400 }]));
    expect(errorCodes(await gql(api.graphqlUrl, `query { settings { jobRetentionDays } }`, {}, viewer))).toEqual([
      'FORBIDDEN',
    ]);

    const refused = await gql(
      api.graphqlUrl,
      UPDATE,
      {
        input: {
          jobRetentionDays: 0,
          auditRetentionDays: 5000,
          backupsToKeep: 0,
          diskLowPercent: 101,
          schedules: [{ name: 'prune-jobs', everySeconds: 60 }],
        },
      },
      admin,
    );
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0]?.message).toBe(
      [
        'jobRetentionDays: must be between 1 and 3650 days',
        'auditRetentionDays: must be between 1 and 3650 days',
        'backupsToKeep: must be between 1 and 1000 backups',
        'diskLowPercent: must be between 1 and 100 percent',
      ].join('; '),
    );
    const badSchedule = await gql(
      api.graphqlUrl,
      UPDATE,
      { input: { jobRetentionDays: 9, schedules: [{ name: 'prune-jobs', everySeconds: 5 }] } },
      admin,
    );
    expect(errorCodes(badSchedule)).toEqual(['BAD_USER_INPUT']);
    expect(badSchedule.errors?.[0]?.message).toBe(
      'schedules prune-jobs: everySeconds must be a whole number from 10 to 2592000 (got 5)',
    );
    const unknown = await gql(
      api.graphqlUrl,
      UPDATE,
      { input: { schedules: [{ name: 'nope', everySeconds: 60 }] } },
      admin,
    );
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    // Nothing of a refused change was stored.
    expect(
      (await ok<{ settings: Record<string, unknown> }>(`query { settings { ${SETTINGS} } }`, {}, admin)).settings,
    ).toEqual(settings);

    const { updateSettings } = await ok<{ updateSettings: Record<string, unknown> }>(
      UPDATE,
      {
        input: {
          jobRetentionDays: 9,
          backupsToKeep: 3,
          diskLowPercent: 75,
          defaultPullPolicy: 'NEVER',
          schedules: [{ name: 'prune-jobs', everySeconds: 3_600 }],
        },
      },
      admin,
    );
    expect(updateSettings).toMatchObject({
      jobRetentionDays: 9,
      backupsToKeep: 3,
      diskLowPercent: 75,
      defaultPullPolicy: 'NEVER',
      sessionIdleTimeoutSeconds: 1_800,
    });
    const { schedules } = await ok<{ schedules: { name: string; everySeconds: number; nextRunAt: string | null }[] }>(
      'query { schedules { name everySeconds nextRunAt } }',
      {},
      viewer,
    );
    const pruneJobs = schedules.find((s) => s.name === 'prune-jobs');
    expect(pruneJobs).toMatchObject({ everySeconds: 3_600, nextRunAt: expect.any(String) });
    // Re-scheduled at once: the next run is within the new hour, not the old day.
    expect(Date.parse(pruneJobs?.nextRunAt ?? '') - Date.now()).toBeLessThanOrEqual(3_600_000);

    const { auditLog } = await ok<{
      auditLog: { nodes: { action: string; outcome: string; targetType: string; details: string }[] };
    }>('query { auditLog(first: 10) { nodes { action outcome targetType details } } }', {}, admin);
    const audited = auditLog.nodes.filter((node) => node.action === 'updateSettings');
    expect(audited.map((node) => node.outcome)).toEqual(['SUCCESS', 'FAILURE', 'FAILURE', 'FAILURE']);
    expect(JSON.parse(audited[0].details)).toMatchObject({ input: { jobRetentionDays: 9 } });
  });

  it('applies the login lifetime to the next login, without a restart', async () => {
    await ok(UPDATE, { input: { jwtExpiresInSeconds: 600 } }, admin);
    const { login: signedIn } = await login(ADMIN.username, ADMIN.password);
    const lifetime = (Date.parse(signedIn.expiresAt) - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(500);
    expect(lifetime).toBeLessThanOrEqual(600);
  });

  it("keeps each user's preferences", async () => {
    const PREFS = 'query { myPreferences { theme timeFormat } }';
    expect((await ok<{ myPreferences: unknown }>(PREFS, {}, viewer)).myPreferences).toEqual({
      theme: 'SYSTEM',
      timeFormat: 'SYSTEM',
    });
    const { updateMyPreferences } = await ok<{ updateMyPreferences: unknown }>(
      'mutation($input: UpdatePreferencesInput!) { updateMyPreferences(input: $input) { theme timeFormat } }',
      { input: { theme: 'DARK' } },
      viewer,
    );
    expect(updateMyPreferences).toEqual({ theme: 'DARK', timeFormat: 'SYSTEM' });
    await ok('mutation { updateMyPreferences(input: { timeFormat: H24 }) { theme } }', {}, viewer);
    expect((await ok<{ myPreferences: unknown }>(PREFS, {}, viewer)).myPreferences).toEqual({
      theme: 'DARK',
      timeFormat: 'H24',
    });
    expect((await ok<{ myPreferences: unknown }>(PREFS, {}, admin)).myPreferences).toEqual({
      theme: 'SYSTEM',
      timeFormat: 'SYSTEM',
    });
    expect(
      errorCodes(
        await gql(api.graphqlUrl, 'mutation { updateMyPreferences(input: { theme: PINK }) { theme } }', {}, viewer),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });
});
