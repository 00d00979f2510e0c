import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MarketplaceService } from '@tomo/marketplace';
import { gql, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

/**
 * The MCP door's access rules on a real API (SQLite file, Redis): read-only installs, requests
 * without a protocol session, sessions bound to their user, and the audit entries of MCP changes.
 * The tools end to end (built API + worker + testbed) are in apps/e2e/src/mcp.
 */
describe('MCP door', () => {
  const clients: Client[] = [];

  const setUp = async (env: Record<string, string> = {}) => {
    const api = await startTestApi(AppModule.forRoot, env);
    const ok = async <T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> => {
      const result = await gql<T>(api.graphqlUrl, query, variables, token);
      if (result.errors || !result.data) throw new Error(JSON.stringify(result.errors));
      return result.data;
    };
    const admin = (await ok<{ setupAdmin: { token: string } }>('mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { token } }', { input: ADMIN }, '')).setupAdmin.token;
    const token = async (role: string) =>
      (await ok<{ createApiToken: { token: string } }>('mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }', { input: { name: role, role } }, admin))
        .createApiToken.token;
    return { api, ok, admin, token };
  };
  const connect = async (api: TestApi, token: string) => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', api.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  };
  const post = (api: TestApi, token: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  it('never returns or audits a secret given to a tool', async () => {
    const { api, ok, admin, token } = await setUp();
    try {
      await api.app.get(MarketplaceService).loadBuiltInCatalog();
      const client = await connect(api, await token('OPERATOR'));
      const SECRET = 'pi-hole s3cret $(id)';
      const added = (await client.callTool({
        name: 'add_server',
        arguments: { name: 'box', host: '127.0.0.1', port: 22, username: 'tomo', authType: 'PASSWORD', password: SECRET },
      })) as CallToolResult;
      expect(added.isError).toBeUndefined();
      const serverId = (added.structuredContent as { server: { serverId: string } }).server.serverId;
      const installed = (await client.callTool({
        name: 'install_app',
        arguments: { serverId, appId: 'builtin/pihole', config: { env: [{ name: 'WEBPASSWORD', value: SECRET }], pullPolicy: 'NEVER' } },
      })) as CallToolResult;
      expect(installed.structuredContent).toMatchObject({ status: 'QUEUED', kind: 'deployment.install' });
      const deploymentId = (installed.structuredContent as { deploymentId: string }).deploymentId;
      const deployment = (await client.callTool({ name: 'get_deployment', arguments: { deploymentId } })) as CallToolResult;
      expect((deployment.structuredContent as { deployment: { config: { env: unknown[] } } }).deployment.config.env).toContainEqual({ name: 'WEBPASSWORD', value: null, secret: true });
      expect(JSON.stringify([added, installed, deployment])).not.toContain('s3cret');

      const { auditLog } = await ok<{ auditLog: { nodes: { action: string; targetId: string; details: string }[] } }>(
        'query { auditLog(first: 20) { nodes { action targetId details } } }',
        {},
        admin,
      );
      expect(auditLog.nodes.map((node) => node.action)).toEqual(expect.arrayContaining(['addServer', 'installApp']));
      // As the GraphQL door records them: the job an install started, the server added.
      expect(auditLog.nodes.find((node) => node.action === 'installApp')?.targetId).toBe((installed.structuredContent as { jobId: string }).jobId);
      expect(auditLog.nodes.find((node) => node.action === 'addServer')?.targetId).toBe(serverId);
      expect(JSON.stringify(auditLog)).not.toContain('s3cret');
    } finally {
      await api.close();
    }
  });

  it('with MCP_READ_ONLY lists and runs only the tools that change nothing, whatever the role', async () => {
    const { api, admin } = await setUp({ MCP_READ_ONLY: 'true' });
    try {
      const client = await connect(api, admin);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['get_settings', 'wait_for_job', 'list_servers']));
      expect(tools.filter((tool) => !tool.annotations?.readOnlyHint)).toEqual([]);
      const refused = (await client.callTool({ name: 'update_settings', arguments: { jobRetentionDays: 3 } })) as CallToolResult;
      expect(refused).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/^FORBIDDEN: update_settings changes things .*MCP_READ_ONLY/) }] });
      expect(((await client.callTool({ name: 'health_check', arguments: {} })) as CallToolResult).structuredContent).toMatchObject({ readOnly: true, role: 'ADMIN' });
    } finally {
      await api.close();
    }
  });

  it('serves requests without a session, binds sessions to their user, and audits changes as the GraphQL door does', async () => {
    const { api, ok, admin, token } = await setUp();
    try {
      const viewer = await token('VIEWER');
      // No initialize, no session: one-off (stateless) handling.
      const listed = await post(api, viewer, { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }, { 'mcp-protocol-version': '2025-06-18' });
      expect(listed.status).toBe(200);
      expect(await listed.text()).toContain('"name":"list_servers"');

      // Another user's session id is refused like an unknown one.
      const transport = new StreamableHTTPClientTransport(new URL('/mcp', api.url), { requestInit: { headers: { Authorization: `Bearer ${admin}` } } });
      const client = new Client({ name: 'test', version: '1' });
      await client.connect(transport);
      clients.push(client);
      const sessionId = transport.sessionId ?? '';
      expect(sessionId).not.toBe('');
      // The viewer token belongs to the admin user (who created it): the same user may use the session (its role is checked per call).
      await ok('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { username: 'olivia', password: 'staple battery horse correct', role: 'OPERATOR' } }, admin);
      const other = (await ok<{ login: { token: string } }>('mutation { login(input: { username: "olivia", password: "staple battery horse correct" }) { token } }', {}, '')).login.token;
      const stolen = await post(api, other, { jsonrpc: '2.0', id: 8, method: 'tools/list', params: {} }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' });
      expect(stolen.status).toBe(404);

      const changed = (await client.callTool({ name: 'update_settings', arguments: { auditRetentionDays: 100 } })) as CallToolResult;
      expect(changed.structuredContent).toMatchObject({ auditRetentionDays: 100 });
      const refused = (await client.callTool({ name: 'update_settings', arguments: { auditRetentionDays: -1 } })) as CallToolResult;
      expect(refused.content).toEqual([{ type: 'text', text: 'BAD_USER_INPUT: auditRetentionDays: must be between 1 and 3650 days' }]);
      const viewerClient = await connect(api, viewer);
      const forbidden = (await viewerClient.callTool({ name: 'update_settings', arguments: { auditRetentionDays: 50 } })) as CallToolResult;
      expect(forbidden.content).toEqual([{ type: 'text', text: 'FORBIDDEN: update_settings requires the ADMIN role (your token has VIEWER)' }]);

      const { auditLog } = await ok<{ auditLog: { nodes: { action: string; actorType: string; outcome: string; errorCode: string | null; targetType: string }[] } }>(
        'query { auditLog(first: 20) { nodes { action actorType outcome errorCode targetType } } }',
        {},
        admin,
      );
      expect(auditLog.nodes.filter((node) => node.action === 'updateSettings')).toEqual([
        { action: 'updateSettings', actorType: 'api-token', outcome: 'FAILURE', errorCode: 'FORBIDDEN', targetType: 'settings' },
        { action: 'updateSettings', actorType: 'user', outcome: 'SUCCESS', errorCode: null, targetType: 'settings' },
      ]);
    } finally {
      await api.close();
    }
  });
});
