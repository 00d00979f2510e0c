import { gqlOk, setupAdmin, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

const ALL_FIELDS =
  'id name host port username authType status statusMessage hostKeyFingerprint presentedHostKeyFingerprint dockerVersion dockerAccessible os arch kernel cpuCount memoryBytes diskBytes networkMode maxConcurrentJobs pruneImages lastSeenAt lastCheckedAt createdAt updatedAt';

/**
 * `servers` reads only the columns the operation selects (ServersService.list): whatever the
 * selection's shape (fragments, inline fragments, aliases), each field must hold what the full
 * record holds. No worker: the connection tests stay queued, which does not matter here.
 */
describe('servers list over GraphQL', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    token = await setupAdmin(api, { username: 'admin', password: 'correct horse battery staple' });
    for (const [name, port] of [
      ['beta', 2222],
      ['alpha', 22],
    ] as const) {
      await gqlOk(
        api.graphqlUrl,
        'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
        {
          input: {
            name,
            host: `${name}.example.test`,
            port,
            username: 'tomo',
            authType: 'PASSWORD',
            password: 'never shown',
          },
        },
        token,
      );
    }
  });
  afterAll(() => api?.close());

  it('answers each selected field with the stored value, by name, through fragments and aliases', async () => {
    const full = await gqlOk<{ servers: Record<string, unknown>[] }>(
      api.graphqlUrl,
      `{ servers { ${ALL_FIELDS} } }`,
      {},
      token,
    );
    expect(full.servers.map((server) => server['name'])).toEqual(['alpha', 'beta']);

    const partial = await gqlOk<{ servers: Record<string, unknown>[] }>(
      api.graphqlUrl,
      `{ servers { __typename address: host ...Seen ... on Server { port createdAt } } }
       fragment Seen on Server { status lastSeenAt ...Owner }
       fragment Owner on Server { username maxConcurrentJobs }`,
      {},
      token,
    );
    expect(partial.servers).toEqual(
      full.servers.map((server) => ({
        __typename: 'Server',
        address: server['host'],
        status: server['status'],
        lastSeenAt: server['lastSeenAt'],
        username: server['username'],
        maxConcurrentJobs: server['maxConcurrentJobs'],
        port: server['port'],
        createdAt: server['createdAt'],
      })),
    );
    const ids = await gqlOk<{ servers: { id: string }[] }>(api.graphqlUrl, '{ servers { id } }', {}, token);
    expect(ids.servers).toEqual(full.servers.map((server) => ({ id: server['id'] })));
  });
});
