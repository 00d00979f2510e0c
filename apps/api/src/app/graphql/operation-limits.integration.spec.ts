import { JobKind } from '@tomo/shared';
import { errorCodes, gql, setupAdmin, signInNewUser, startTestApi, type TestApi, wsClient } from '@tomo/testing';
import { JobsService } from '@tomo/workflows';
import WebSocket from 'ws';
import { AppModule } from '../app.module';
import { OPERATION_LIMITS } from './operation-limits';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

/** Cost limits on both transports, through the real API; each refusal is BAD_USER_INPUT naming its limit. */
describe('GraphQL operation limits', () => {
  let api: TestApi;
  let viewer: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot, { GRAPHQL_INTROSPECTION: 'false' });
    const admin = await setupAdmin(api, ADMIN);
    viewer = await signInNewUser(api, admin, {
      username: 'victor',
      password: 'staple battery horse correct',
      role: 'VIEWER',
    });
  });
  afterAll(() => api?.close());

  it('refuses 200 aliased containerLogs fields from a VIEWER before any job starts (maxAliases)', async () => {
    const fields = Array.from({ length: 200 }, (_, i) => `l${i}: containerLogs(deploymentId: "d", tail: 1)`).join(' ');
    const result = await gql(api.graphqlUrl, `{ ${fields} }`, {}, viewer);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0].message).toMatch(/200 aliased fields \(limit maxAliases = 20\)/);
    const logJobs = await api.app.get(JobsService).list({ kind: JobKind.DeploymentLogs }, 10);
    expect(logJobs.jobs).toEqual([]);
  });

  it('refuses an operation over the complexity budget, counting variables (maxComplexity)', async () => {
    const fields = Array.from({ length: 11 }, (_, i) => `l${i}: containerLogs(deploymentId: $id, tail: 1)`).join(' ');
    const result = await gql(api.graphqlUrl, `query($id: ID!) { ${fields} }`, { id: 'd' }, viewer);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0].message).toMatch(/costs 1100 \(limit maxComplexity = 1000\)/);
  });

  it('applies the same limits over graphql-ws, and at most maxOperationsPerConnection open operations', async () => {
    const client = wsClient(api.wsUrl, viewer);
    const outcome = (query: string) =>
      new Promise<string[]>((resolve) => {
        const codes: string[] = [];
        client.subscribe(
          { query },
          {
            next: (result) =>
              codes.push(...(result.errors ?? []).map((e) => String(e.extensions?.['code']) + ' ' + e.message)),
            error: (errors) =>
              resolve(
                (errors as { extensions?: { code?: string }; message: string }[]).map(
                  (e) => `${e.extensions?.code} ${e.message}`,
                ),
              ),
            complete: () => resolve(codes),
          },
        );
      });
    try {
      const aliases = Array.from({ length: 30 }, (_, i) => `v${i}: version`).join(' ');
      expect(await outcome(`{ ${aliases} }`)).toEqual([
        expect.stringMatching(/^BAD_USER_INPUT .*limit maxAliases = 20/),
      ]);
      expect(await outcome('{ __schema { types { name } } }')).toContainEqual(
        expect.stringMatching(/^BAD_USER_INPUT .*introspection has been disabled/),
      );

      const open: (() => void)[] = [];
      for (let i = 0; i < OPERATION_LIMITS.maxOperationsPerConnection; i += 1) {
        open.push(
          client.subscribe(
            { query: 'subscription { jobUpdated { id } }' },
            { next: () => undefined, error: () => undefined, complete: () => undefined },
          ),
        );
      }
      expect(await outcome('subscription { jobUpdated { id } }')).toEqual([
        expect.stringMatching(/^BAD_USER_INPUT .*limit maxOperationsPerConnection = 25/),
      ]);
      open.pop()?.();
      // A freed slot can be used again (a query completes at once).
      expect(await outcome('{ version }')).toEqual([]);
      open.forEach((dispose) => dispose());
    } finally {
      await client.dispose();
    }
  });

  it('closes a graphql-ws connection that sends a frame over maxWebSocketPayloadBytes', async () => {
    const socket = new WebSocket(api.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
  });

  it('refuses introspection when GRAPHQL_INTROSPECTION=false and still serves the schema file', async () => {
    const introspection = await gql(api.graphqlUrl, '{ __schema { types { name } } }', {}, viewer);
    expect(errorCodes(introspection)).toEqual(['BAD_USER_INPUT']);
    expect(introspection.errors?.[0].message).toMatch(/^GraphQL introspection is not allowed/);
    expect(introspection.data ?? undefined).toBeUndefined();
    const response = await fetch(`${api.url}/schema.graphql`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/type Query \{[\s\S]*containerLogs/);
  });
});
