import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { gqlOk, setupAdmin } from '@tomo/testing';
import { mcpClient, type McpDoor, readTestbedState, testbedDocker } from '../support/mcp-clients';
import { freePort, startTomo, type TomoStack } from '../support/tomo-stack';
import { WORKSPACE_ROOT } from '../support/workspace';

jest.setTimeout(300_000);

/** CONTRACT.md's 29 tools, plus wait_for_job and list_notifications. */
const CONTRACT_TOOLS = [
  'health_check',
  'list_servers',
  'get_server',
  'add_server',
  'update_server',
  'delete_server',
  'test_connection',
  'get_server_metrics',
  'get_dashboard_metrics',
  'search_marketplace',
  'get_marketplace_app',
  'list_marketplace_repos',
  'add_marketplace_repo',
  'sync_marketplace_repo',
  'install_app',
  'list_deployments',
  'get_deployment',
  'start_app',
  'stop_app',
  'restart_app',
  'update_app',
  'uninstall_app',
  'get_container_logs',
  'list_jobs',
  'get_job',
  'cancel_job',
  'retry_job',
  'get_settings',
  'update_settings',
  'wait_for_job',
  'list_notifications',
];
const ADMIN_ONLY = ['add_marketplace_repo', 'sync_marketplace_repo', 'get_settings', 'update_settings'];

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

type Structured = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- results are checked against their JSON schemas

const textOf = (result: CallToolResult) =>
  result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

/**
 * The MCP door end to end: the built API and worker, the real SDK Client, the testbed's sshd and
 * Docker engine. The same scenario runs over Streamable HTTP and through the stdio bridge.
 */
describe('MCP', () => {
  let tomo: TomoStack;
  let tokens: Record<'admin' | 'operator' | 'viewer', string>;
  let scratch: string;
  let image: string;
  const testbed = readTestbedState();

  beforeAll(async () => {
    tomo = await startTomo({ worker: true, console: false });
    const admin = await setupAdmin(tomo, { username: 'admin', password: 'correct horse battery staple' });
    const token = async (role: string) =>
      (
        await gqlOk<{ createApiToken: { token: string } }>(
          tomo,
          'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
          { input: { name: `mcp-${role.toLowerCase()}`, role, expiresInDays: 1 } },
          admin,
        )
      ).createApiToken.token;
    tokens = { admin: await token('ADMIN'), operator: await token('OPERATOR'), viewer: await token('VIEWER') };

    // The test app (busybox httpd) on a free port, from a git marketplace repository; its image is
    // put on the testbed engine under the name the app names, installed with pullPolicy NEVER.
    scratch = mkdtempSync(join(tmpdir(), 'tomo-mcp-e2e-'));
    image = `tomo/mcp-${randomBytes(3).toString('hex')}:v1`;
    testbedDocker(testbed, 'pull', '--quiet', testbed.images.v1);
    testbedDocker(testbed, 'tag', testbed.images.v1, image);
  });

  afterAll(async () => {
    await tomo?.stop();
    if (image) testbedDocker(testbed, 'rmi', '--force', image);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('answers 401 with WWW-Authenticate without a valid token, and refuses foreign browser origins', async () => {
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
    });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    for (const authorization of [undefined, 'Bearer not-a-token']) {
      const response = await fetch(`${tomo.baseUrl}/mcp`, {
        method: 'POST',
        headers: { ...headers, ...(authorization && { authorization }) },
        body: initialize,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    const foreign = await fetch(`${tomo.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${tokens.viewer}`, origin: 'http://evil.example' },
      body: initialize,
    });
    expect(foreign.status).toBe(403);
    await expect(mcpClient('http', tomo.baseUrl, 'wrong')).rejects.toThrow(/Invalid, expired or revoked token/);
  });

  it.each<McpDoor>(['http', 'stdio'])('runs the agent scenario over %s', async (door) => {
    const port = await freePort();
    const repoDir = join(scratch, `repo-${door}`);
    const appDir = join(repoDir, 'apps', 'utility', 'busybox-httpd');
    mkdirSync(appDir, { recursive: true });
    const yaml = readFileSync(
      resolve(WORKSPACE_ROOT, 'libs/marketplace/test-apps/apps/utility/busybox-httpd/app.yaml'),
      'utf8',
    )
      .replaceAll('18080', String(port))
      .replace('image: tomo/busybox:v1', `image: ${image}`);
    writeFileSync(join(appDir, 'app.yaml'), yaml);
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repoDir, ...args], {
        env: {
          ...process.env,
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t.invalid',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t.invalid',
        },
      });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '--all');
    git('commit', '--quiet', '-m', 'app');

    const clients: Client[] = [];
    const open = async (
      role: keyof typeof tokens,
      elicit?: (message: string) => { action: 'accept' | 'decline'; content?: Record<string, boolean> },
    ) => {
      const client = await mcpClient(door, tomo.baseUrl, tokens[role], { elicit });
      clients.push(client);
      return client;
    };
    try {
      const admin = await open('admin');
      const operator = await open('operator');
      const viewer = await open('viewer');
      const asked: string[] = [];
      const declining = await open('operator', (message) => (asked.push(message), { action: 'decline' }));
      const agreeing = await open(
        'operator',
        (message) => (asked.push(message), { action: 'accept', content: { confirm: true } }),
      );

      // ---- tools per role; every tool fully described ----
      const listed = async (client: Client) => (await client.listTools()).tools;
      const adminTools = await listed(admin);
      const schemas = new Map<string, Tool>(adminTools.map((tool) => [tool.name, tool]));
      expect(adminTools.map((tool) => tool.name).sort()).toEqual([...CONTRACT_TOOLS].sort());
      const viewerTools = await listed(viewer);
      expect(viewerTools.length).toBeGreaterThan(10);
      expect(viewerTools.filter((tool) => tool.annotations?.readOnlyHint !== true).map((t) => t.name)).toEqual([]);
      expect(viewerTools.map((t) => t.name)).not.toContain('get_settings');
      const operatorNames = (await listed(operator)).map((tool) => tool.name);
      expect(operatorNames.sort()).toEqual(CONTRACT_TOOLS.filter((name) => !ADMIN_ONLY.includes(name)).sort());
      for (const tool of adminTools) {
        expect(tool.title).toBeTruthy();
        expect(tool.description?.length).toBeGreaterThan(40);
        expect(tool.outputSchema?.type).toBe('object');
        for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
          expect([tool.name, hint, typeof tool.annotations?.[hint]]).toEqual([tool.name, hint, 'boolean']);
        }
        for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
          expect([tool.name, field, typeof (schema as { description?: string }).description]).toEqual([
            tool.name,
            field,
            'string',
          ]);
        }
      }
      expect(schemas.get('uninstall_app')?.annotations?.destructiveHint).toBe(true);
      expect(schemas.get('delete_server')?.annotations?.destructiveHint).toBe(true);

      // Every call's arguments are checked against the published input schema, every result against the output schema.
      const succeeded = new Set<string>();
      const call = async (
        client: Client,
        name: string,
        args: Record<string, unknown>,
        onprogress?: (progress: Progress) => void,
      ) => {
        const schema = schemas.get(name);
        if (!schema) throw new Error(`no tool ${name}`);
        expect([name, ajv.validate(schema.inputSchema, args) ? null : ajv.errorsText()]).toEqual([name, null]);
        const result = (await client.callTool({ name, arguments: args }, undefined, {
          onprogress,
          timeout: 90_000,
          resetTimeoutOnProgress: true,
        })) as CallToolResult;
        if (!result.isError) {
          expect([
            name,
            ajv.validate(schema.outputSchema ?? {}, result.structuredContent) ? null : ajv.errorsText(),
          ]).toEqual([name, null]);
          succeeded.add(name);
        }
        return result;
      };
      const ok = async (
        client: Client,
        name: string,
        args: Record<string, unknown> = {},
        onprogress?: (progress: Progress) => void,
      ): Promise<Structured> => {
        const result = await call(client, name, args, onprogress);
        if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
        return result.structuredContent as Structured;
      };
      const fails = async (client: Client, name: string, args: Record<string, unknown>): Promise<string> => {
        const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
        expect([name, result.isError]).toEqual([name, true]);
        return textOf(result);
      };
      const waitJob = async (client: Client, jobId: string, progress?: Progress[]): Promise<Structured> => {
        for (;;) {
          const waited = await ok(
            client,
            'wait_for_job',
            { jobId, timeoutSeconds: 60 },
            progress ? (p) => progress.push(p) : undefined,
          );
          if (waited['finished']) return waited['job'] as Structured;
        }
      };

      expect(await ok(viewer, 'health_check')).toMatchObject({ ok: true, role: 'VIEWER', readOnly: false });

      // ---- marketplace (admin) ----
      const { repo } = await ok(admin, 'add_marketplace_repo', { name: `mcp-${door}`, url: repoDir, branch: 'main' });
      const sync = await ok(admin, 'sync_marketplace_repo', { repoId: repo.repoId });
      expect(await waitJob(admin, sync['jobId'])).toMatchObject({ status: 'SUCCEEDED' });
      expect((await ok(viewer, 'list_marketplace_repos'))['repos'].map((r: Structured) => r['name'])).toContain(
        `mcp-${door}`,
      );
      const appId = `mcp-${door}/busybox-httpd`;
      expect(
        (await ok(viewer, 'search_marketplace', { search: 'busybox', first: 10 }))['apps'].map(
          (a: Structured) => a['appId'],
        ),
      ).toContain(appId);
      expect((await ok(viewer, 'get_marketplace_app', { appId }))['app']).toMatchObject({
        id: appId,
        image: { reference: image },
      });

      // ---- a server ----
      const added = await ok(operator, 'add_server', {
        name: `testbed-${door}`,
        host: testbed.ssh.host,
        port: testbed.ssh.port,
        username: testbed.ssh.username,
        authType: 'PASSWORD',
        password: testbed.ssh.password,
      });
      const serverId = added['server']['serverId'] as string;
      expect(JSON.stringify(added)).not.toContain(testbed.ssh.password);
      expect(await waitJob(operator, added['jobId'])).toMatchObject({ status: 'SUCCEEDED' });
      expect((await ok(viewer, 'get_server', { serverId }))['server']).toMatchObject({
        status: 'ONLINE',
        dockerVersion: expect.any(String),
      });
      expect((await ok(viewer, 'list_servers', { search: `testbed-${door}` }))['servers']).toHaveLength(1);
      expect((await ok(operator, 'update_server', { serverId, maxConcurrentJobs: 2 }))['server']).toMatchObject({
        maxConcurrentJobs: 2,
      });
      const tested = await ok(operator, 'test_connection', { serverId });
      expect(tested).toMatchObject({ status: 'QUEUED', kind: 'server.test-connection' });
      expect(await waitJob(operator, tested['jobId'])).toMatchObject({ status: 'SUCCEEDED' });

      // ---- install, followed from another session (the viewer's) with progress per step ----
      const install = await ok(operator, 'install_app', {
        serverId,
        appId,
        config: { pullPolicy: 'NEVER' },
        idempotencyKey: `mcp-${door}`,
      });
      expect(install).toMatchObject({ status: 'QUEUED', kind: 'deployment.install', deploymentId: expect.any(String) });
      const deploymentId = install['deploymentId'] as string;
      const progress: Progress[] = [];
      const installed = await waitJob(viewer, install['jobId'], progress);
      expect(installed).toMatchObject({ status: 'SUCCEEDED', deploymentId });
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));
      expect(progress[0]?.message).toMatch(/: succeeded|: skipped/);
      const job = (await ok(viewer, 'get_job', { jobId: install['jobId'] }))['job'] as Structured;
      expect(job['steps'].every((step: Structured) => ['SUCCEEDED', 'SKIPPED'].includes(step['status']))).toBe(true);
      expect((await ok(viewer, 'get_deployment', { deploymentId }))['deployment']).toMatchObject({
        status: 'RUNNING',
        appId,
        serverId,
      });
      expect((await ok(viewer, 'list_deployments', { serverId }))['deployments']).toHaveLength(1);
      const resource = await viewer.readResource({ uri: `tomo://jobs/${install['jobId']}` });
      expect(JSON.parse((resource.contents[0] as { text: string }).text)).toMatchObject({
        jobId: install['jobId'],
        status: 'SUCCEEDED',
      });

      const logs = await ok(viewer, 'get_container_logs', { deploymentId, tail: 50 });
      expect(typeof logs['untrustedLogs']).toBe('string');
      expect(logs['lineCount']).toBeGreaterThan(0); // httpd -v logs each health check request

      // ---- lifecycle ----
      for (const name of ['stop_app', 'start_app', 'restart_app']) {
        const started = await ok(operator, name, { deploymentId });
        expect([name, (await waitJob(operator, started['jobId']))['status']]).toEqual([name, 'SUCCEEDED']);
      }
      const update = await ok(operator, 'update_app', {
        deploymentId,
        config: { env: [{ name: 'GREETING', value: 'hi' }] },
      });
      expect(await waitJob(operator, update['jobId'])).toMatchObject({ status: 'SUCCEEDED' });

      // ---- errors: a code and the field or the state, never a protocol crash ----
      expect(await fails(operator, 'get_server', {})).toMatch(/^BAD_USER_INPUT: serverId: is required/);
      expect(
        await fails(operator, 'install_app', { serverId, appId, config: { ports: [{ container: 1, host: 99999 }] } }),
      ).toMatch(/^BAD_USER_INPUT: config\.ports\.0\.host/);
      expect(await fails(viewer, 'get_job', { jobId: 'no-such-job' })).toMatch(/^NOT_FOUND: /);
      expect(await fails(viewer, 'get_deployment', { deploymentId: 'no-such-deployment' })).toMatch(/^NOT_FOUND: /);
      expect(await fails(viewer, 'install_app', { serverId, appId })).toMatch(
        /^FORBIDDEN: install_app requires the OPERATOR role/,
      );
      expect(await fails(operator, 'update_settings', { jobRetentionDays: 5 })).toMatch(/^FORBIDDEN: /);
      for (const name of CONTRACT_TOOLS) {
        expect([name, await fails(admin, name, { notAnArgument: 1 })]).toEqual([
          name,
          expect.stringMatching(/^BAD_USER_INPUT: (.+; )?notAnArgument: not an argument of this tool/),
        ]);
      }

      // ---- uninstall: refused without confirm, asked by elicitation, done with confirm ----
      expect(await fails(operator, 'uninstall_app', { deploymentId, removeVolumes: true })).toMatch(
        /^BAD_USER_INPUT: confirm: .*Pass confirm: true/,
      );
      expect(await fails(declining, 'uninstall_app', { deploymentId })).toMatch(
        /^BAD_USER_INPUT: confirm: the user did not confirm/,
      );
      expect(asked.pop()).toMatch(
        new RegExp(
          `^Removes container tomo-busybox-httpd-\\w+ \\(mcp-${door}/busybox-httpd\\) \\(volumes are kept\\) on server testbed-${door} \\(127\\.0\\.0\\.1\\)\\.`,
        ),
      );
      expect((await ok(viewer, 'get_deployment', { deploymentId }))['deployment']['status']).toBe('RUNNING');
      const uninstall = await ok(operator, 'uninstall_app', { deploymentId, removeVolumes: true, confirm: true });
      expect(await waitJob(operator, uninstall['jobId'])).toMatchObject({ status: 'SUCCEEDED' });
      expect(await fails(viewer, 'get_deployment', { deploymentId })).toMatch(/^NOT_FOUND: /);

      // ---- cancel and retry (a connection test to a closed port retries with backoff) ----
      const unreachable = await ok(operator, 'add_server', {
        name: `closed-${door}`,
        host: '127.0.0.1',
        port: await freePort(),
        username: 'nobody',
        authType: 'PASSWORD',
        password: 'x',
      });
      expect((await ok(operator, 'cancel_job', { jobId: unreachable['jobId'] }))['job']['jobId']).toBe(
        unreachable['jobId'],
      );
      expect(await waitJob(operator, unreachable['jobId'])).toMatchObject({ status: 'CANCELLED' });
      const retried = await ok(operator, 'retry_job', { jobId: unreachable['jobId'] });
      expect(retried['jobId']).not.toBe(unreachable['jobId']);
      await ok(operator, 'cancel_job', { jobId: retried['jobId'] });
      await waitJob(operator, retried['jobId']);
      const closedId = unreachable['server']['serverId'] as string;
      expect((await ok(agreeing, 'delete_server', { serverId: closedId }))['server']['serverId']).toBe(closedId);
      expect(asked.pop()).toMatch(/^Deletes server closed-\w+ \(127\.0\.0\.1:\d+\)/);

      // ---- settings (admin) ----
      const settings = await ok(admin, 'get_settings');
      expect(settings).toMatchObject({
        jobRetentionDays: expect.any(Number),
        schedules: expect.arrayContaining([expect.objectContaining({ name: 'collect-server-metrics' })]),
      });
      const changed = await ok(admin, 'update_settings', {
        jobRetentionDays: 14,
        schedules: [{ name: 'prune-jobs', everySeconds: 7200 }],
      });
      expect(changed).toMatchObject({
        jobRetentionDays: 14,
        schedules: expect.arrayContaining([{ name: 'prune-jobs', everySeconds: 7200 }]),
      });
      expect(await fails(admin, 'update_settings', { jobRetentionDays: 0 })).toMatch(
        /^BAD_USER_INPUT: jobRetentionDays: must be between 1 and 3650 days/,
      );

      // ---- reads ----
      expect(await ok(viewer, 'get_server_metrics', { serverId })).toMatchObject({
        points: expect.any(Array),
        truncated: false,
      });
      expect(await ok(viewer, 'get_dashboard_metrics')).toMatchObject({ serverCount: expect.any(Number) });
      const page = await ok(viewer, 'list_jobs', { first: 2 });
      expect(page).toMatchObject({ jobs: expect.any(Array), pageInfo: { hasNextPage: true } });
      expect(
        (await ok(viewer, 'list_jobs', { first: 2, after: page['pageInfo']['endCursor'] }))['jobs'][0]['jobId'],
      ).not.toBe(page['jobs'][0]['jobId']);
      expect(await ok(viewer, 'list_notifications', { first: 5, unreadOnly: true })).toMatchObject({
        notifications: expect.any(Array),
        pageInfo: expect.any(Object),
      });
      expect((await ok(operator, 'delete_server', { serverId, confirm: true }))['server']['serverId']).toBe(serverId);

      // Every tool answered a valid call with a result its output schema accepts.
      expect([...succeeded].sort()).toEqual([...CONTRACT_TOOLS].sort());
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
