import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MarketplaceService } from '@tomo/marketplace';
import { NotificationsService } from '@tomo/notifications';
import { JobKind, NotificationEvent, Role } from '@tomo/shared';
import { closeQueue, JobsService, WORKFLOW_QUEUE } from '@tomo/workflows';
import type { Queue } from 'bullmq';
import { gqlOk, setupAdmin, signInNewUser, startTestApi, type TestApi } from '@tomo/testing';
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
    const ok = <T>(query: string, variables: Record<string, unknown>, token: string) =>
      gqlOk<T>(api, query, variables, token);
    const admin = await setupAdmin(api, ADMIN);
    const token = async (role: string) =>
      (
        await ok<{ createApiToken: { token: string } }>(
          'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
          { input: { name: role, role } },
          admin,
        )
      ).createApiToken.token;
    return { api, ok, admin, token };
  };
  const connect = async (api: TestApi, token: string) => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', api.url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    clients.push(client);
    return client;
  };
  const post = (api: TestApi, token: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        ...headers,
      },
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
        arguments: {
          name: 'box',
          host: '127.0.0.1',
          port: 22,
          username: 'tomo',
          authType: 'PASSWORD',
          password: SECRET,
        },
      })) as CallToolResult;
      expect(added.isError).toBeUndefined();
      const serverId = (added.structuredContent as { server: { serverId: string } }).server.serverId;
      const installed = (await client.callTool({
        name: 'install_app',
        arguments: {
          serverId,
          appId: 'builtin/pihole',
          config: { env: [{ name: 'WEBPASSWORD', value: SECRET }], pullPolicy: 'NEVER' },
        },
      })) as CallToolResult;
      expect(installed.structuredContent).toMatchObject({ status: 'QUEUED', kind: 'deployment.install' });
      const deploymentId = (installed.structuredContent as { deploymentId: string }).deploymentId;
      const deployment = (await client.callTool({
        name: 'get_deployment',
        arguments: { deploymentId },
      })) as CallToolResult;
      expect(
        (deployment.structuredContent as { deployment: { config: { env: unknown[] } } }).deployment.config.env,
      ).toContainEqual({ name: 'WEBPASSWORD', value: null, secret: true });
      expect(JSON.stringify([added, installed, deployment])).not.toContain('s3cret');

      const { auditLog } = await ok<{ auditLog: { nodes: { action: string; targetId: string; details: string }[] } }>(
        'query { auditLog(first: 20) { nodes { action targetId details } } }',
        {},
        admin,
      );
      expect(auditLog.nodes.map((node) => node.action)).toEqual(expect.arrayContaining(['addServer', 'installApp']));
      // As the GraphQL door records them: the job an install started, the server added.
      expect(auditLog.nodes.find((node) => node.action === 'installApp')?.targetId).toBe(
        (installed.structuredContent as { jobId: string }).jobId,
      );
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
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['get_settings', 'wait_for_job', 'list_servers']),
      );
      expect(tools.filter((tool) => !tool.annotations?.readOnlyHint)).toEqual([]);
      const refused = (await client.callTool({
        name: 'update_settings',
        arguments: { jobRetentionDays: 3 },
      })) as CallToolResult;
      expect(refused).toMatchObject({
        isError: true,
        content: [
          { type: 'text', text: expect.stringMatching(/^FORBIDDEN: update_settings changes things .*MCP_READ_ONLY/) },
        ],
      });
      expect(
        ((await client.callTool({ name: 'health_check', arguments: {} })) as CallToolResult).structuredContent,
      ).toMatchObject({ readOnly: true, role: 'ADMIN' });
    } finally {
      await api.close();
    }
  });

  it('serves requests without a session, binds sessions to their user, and audits changes as the GraphQL door does', async () => {
    const { api, ok, admin, token } = await setUp();
    try {
      const viewer = await token('VIEWER');
      // No initialize, no session: one-off (stateless) handling.
      const listed = await post(
        api,
        viewer,
        { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} },
        { 'mcp-protocol-version': '2025-06-18' },
      );
      expect(listed.status).toBe(200);
      expect(await listed.text()).toContain('"name":"list_servers"');

      // Another user's session id is refused like an unknown one.
      const transport = new StreamableHTTPClientTransport(new URL('/mcp', api.url), {
        requestInit: { headers: { Authorization: `Bearer ${admin}` } },
      });
      const client = new Client({ name: 'test', version: '1' });
      await client.connect(transport);
      clients.push(client);
      const sessionId = transport.sessionId ?? '';
      expect(sessionId).not.toBe('');
      // The viewer token belongs to the admin user (who created it): the same user may use the session (its role is checked per call).
      const other = await signInNewUser(api, admin, {
        username: 'olivia',
        password: 'staple battery horse correct',
        role: 'OPERATOR',
      });
      const stolen = await post(
        api,
        other,
        { jsonrpc: '2.0', id: 8, method: 'tools/list', params: {} },
        { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      );
      expect(stolen.status).toBe(404);

      const changed = (await client.callTool({
        name: 'update_settings',
        arguments: { auditRetentionDays: 100 },
      })) as CallToolResult;
      expect(changed.structuredContent).toMatchObject({ auditRetentionDays: 100 });
      const refused = (await client.callTool({
        name: 'update_settings',
        arguments: { auditRetentionDays: -1 },
      })) as CallToolResult;
      expect(refused.content).toEqual([
        { type: 'text', text: 'BAD_USER_INPUT: auditRetentionDays: must be between 1 and 3650 days' },
      ]);
      const viewerClient = await connect(api, viewer);
      const forbidden = (await viewerClient.callTool({
        name: 'update_settings',
        arguments: { auditRetentionDays: 50 },
      })) as CallToolResult;
      expect(forbidden.content).toEqual([
        { type: 'text', text: 'FORBIDDEN: update_settings requires the ADMIN role (your token has VIEWER)' },
      ]);

      const { auditLog } = await ok<{
        auditLog: {
          nodes: { action: string; actorType: string; outcome: string; errorCode: string | null; targetType: string }[];
        };
      }>('query { auditLog(first: 20) { nodes { action actorType outcome errorCode targetType } } }', {}, admin);
      expect(auditLog.nodes.filter((node) => node.action === 'updateSettings')).toEqual([
        {
          action: 'updateSettings',
          actorType: 'api-token',
          outcome: 'FAILURE',
          errorCode: 'FORBIDDEN',
          targetType: 'settings',
        },
        { action: 'updateSettings', actorType: 'user', outcome: 'SUCCESS', errorCode: null, targetType: 'settings' },
      ]);
    } finally {
      await api.close();
    }
  });

  it('lists the notifications the caller may see, with their read marks, as the GraphQL query does', async () => {
    const { api, ok, admin, token } = await setUp();
    try {
      const notifications = api.app.get(NotificationsService);
      const offline = await notifications.emit(NotificationEvent.ServerOffline, {
        message: 'Server box is offline',
        serverId: 'server-1',
      });
      const mismatch = await notifications.emit(NotificationEvent.HostKeyMismatch, {
        message: 'Server box presented another host key',
      });
      const failed = await notifications.emit(NotificationEvent.JobFailed, {
        message: 'Job deployment.install failed at pull',
        jobId: 'job-1',
      });
      // Newest first; within one millisecond by id, as the service orders them.
      const newestFirst = (...emitted: (typeof offline)[]) =>
        [...emitted]
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
          .map((n) => n.id);
      const [newer, older] = newestFirst(failed, offline);
      const viewer = await token('VIEWER');
      const client = await connect(api, viewer);
      const list = async (args: Record<string, unknown>) => {
        const result = (await client.callTool({ name: 'list_notifications', arguments: args })) as CallToolResult;
        expect(result.isError).toBeUndefined();
        return result.structuredContent as {
          notifications: { notificationId: string; event: string; read: boolean; jobId: string | null }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };

      const tool = (await client.listTools()).tools.find((listed) => listed.name === 'list_notifications');
      expect(tool?.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true, destructiveHint: false });
      // Newest first, paged; the ADMIN-only host key mismatch is not for a VIEWER.
      const first = await list({ first: 1 });
      expect(first.notifications.map((n) => n.notificationId)).toEqual([newer]);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const next = await list({ first: 1, after: first.pageInfo.endCursor });
      expect(next.notifications.map((n) => n.notificationId)).toEqual([older]);
      expect(next.pageInfo.hasNextPage).toBe(false);

      await ok('mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }', { ids: [failed.id] }, viewer);
      expect((await list({ unreadOnly: true })).notifications.map((n) => n.event)).toEqual(['SERVER_OFFLINE']);
      const all = await list({});
      expect(all.notifications.find((n) => n.notificationId === failed.id)).toEqual({
        notificationId: failed.id,
        event: 'JOB_FAILED',
        message: failed.message,
        read: true,
        jobId: 'job-1',
        serverId: null,
        deploymentId: null,
        createdAt: failed.createdAt.toISOString(),
      });
      expect(all.notifications.map((n) => [n.notificationId, n.read])).toEqual([
        [newer, newer === failed.id],
        [older, older === failed.id],
      ]);
      const { notifications: viaGraphql } = await ok<{
        notifications: { edges: { node: { id: string; read: boolean } }[] };
      }>('{ notifications { edges { node { id read } } } }', {}, viewer);
      expect(viaGraphql.edges.map(({ node }) => [node.id, node.read])).toEqual(
        all.notifications.map((n) => [n.notificationId, n.read]),
      );

      const adminClient = await connect(api, admin);
      const adminView = (await adminClient.callTool({ name: 'list_notifications', arguments: {} })) as CallToolResult;
      expect(
        (adminView.structuredContent as { notifications: { notificationId: string }[] }).notifications.map(
          (n) => n.notificationId,
        ),
      ).toEqual(newestFirst(failed, mismatch, offline));
      const bad = (await client.callTool({
        name: 'list_notifications',
        arguments: { after: 'nope' },
      })) as CallToolResult;
      expect(bad).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'BAD_USER_INPUT: after is not a cursor from this list' }],
      });
    } finally {
      await api.close();
    }
  });

  it("passes the caller's role to the services that check it, as the GraphQL resolvers do", async () => {
    const { api, token } = await setUp();
    try {
      await api.app.get(MarketplaceService).loadBuiltInCatalog();
      const operator = await connect(api, await token('OPERATOR'));
      const call = async (name: string, args: Record<string, unknown>) =>
        (await operator.callTool({ name, arguments: args })) as CallToolResult;
      const textOf = (result: CallToolResult) => (result.content[0] as { text: string }).text;

      const added = await call('add_server', {
        name: 'box',
        host: '127.0.0.1',
        port: 22,
        username: 'tomo',
        authType: 'PASSWORD',
        password: 'pw',
      });
      const serverId = (added.structuredContent as { server: { serverId: string } }).server.serverId;
      // The stored credentials would go to the new address: an OPERATOR must give them again.
      expect(textOf(await call('update_server', { serverId, host: '127.0.0.2' }))).toMatch(
        /^FORBIDDEN: Changing the address of server "box"/,
      );
      expect(
        textOf(await call('install_app', { serverId, appId: 'builtin/whoami', config: { network: 'host' } })),
      ).toMatch(/^FORBIDDEN: Only an ADMIN may give a deployment this access to the server: config\.network/);

      // Cancelling (which undoes steps) and retrying a marketplace sync are an ADMIN's, as starting it is.
      const sync = await api.app
        .get(JobsService)
        .create(JobKind.MarketplaceSync, { repoId: 'builtin' }, { requestedBy: 'admin' });
      expect(textOf(await call('cancel_job', { jobId: sync.id }))).toBe(
        'FORBIDDEN: Cancelling a marketplace.sync job requires the ADMIN role (you have OPERATOR)',
      );
      await api.app.get(JobsService).cancel(sync.id, 'admin', Role.Admin);
      expect(textOf(await call('retry_job', { jobId: sync.id }))).toBe(
        'FORBIDDEN: Retrying a marketplace.sync job requires the ADMIN role (you have OPERATOR)',
      );
    } finally {
      await api.close();
    }
  });

  it('answers UNAVAILABLE, not INTERNAL_SERVER_ERROR, when Redis cannot be reached, and audits that code', async () => {
    const { api, ok, admin } = await setUp();
    try {
      const client = await connect(api, admin);
      const sync = await api.app
        .get(JobsService)
        .create(JobKind.MarketplaceSync, { repoId: 'builtin' }, { requestedBy: 'admin' });
      // The queue's own Redis connection goes away (as when Redis stops): cancelling must look the job up there.
      await closeQueue(api.app.get<Queue>(WORKFLOW_QUEUE));
      const result = (await client.callTool({ name: 'cancel_job', arguments: { jobId: sync.id } })) as CallToolResult;
      expect(result.isError).toBe(true);
      const text = (result.content[0] as { text: string }).text;
      expect(text).toMatch(
        /^UNAVAILABLE: A service Tomo depends on \(database or Redis\) is unreachable; retry later \(request id [0-9a-f-]{36}\)$/,
      );
      const { auditLog } = await ok<{
        auditLog: { nodes: { action: string; outcome: string; errorCode: string | null }[] };
      }>('query { auditLog(first: 20) { nodes { action outcome errorCode } } }', {}, admin);
      expect(auditLog.nodes.find((entry) => entry.action === 'cancelJob')).toMatchObject({
        outcome: 'FAILURE',
        errorCode: 'UNAVAILABLE',
      });
    } finally {
      await api.close();
    }
  });
});
