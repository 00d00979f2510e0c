import { DeploymentRecords } from '@tomo/deployments';
import { MarketplaceService } from '@tomo/marketplace';
import {
  errorCodes,
  gql,
  gqlOk,
  readTestbed,
  setupAdmin,
  signInNewUser,
  startTestApi,
  type TestApi,
} from '@tomo/testing';
import { AppModule } from '../app.module';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const SECRET = 'pi-hole s3cret $(id)';
const DEPLOYMENT_FIELDS = `id appId status containerName containerId accessUrls createdAt updatedAt
  server { id name } lastJob { id kind status }
  config { env { name value secret } ports { container host protocol } volumes { container host readOnly } network pullPolicy }`;
const INSTALL = `mutation($input: InstallAppInput!) { installApp(input: $input) { id kind status serverId deploymentId } }`;

/**
 * The deployments' GraphQL door, without a worker: validation at once, roles, jobs queued with
 * ids only, secret env values never returned (nor audited). The workflows themselves are tested
 * in libs/deployments on the testbed.
 */
describe('deployments API', () => {
  let api: TestApi;
  let admin: string;
  let operator: string;
  let viewer: string;
  let serverId: string;

  const call = <T>(query: string, variables: Record<string, unknown>, token: string) =>
    gql<T>(api.graphqlUrl, query, variables, token);
  const ok = <T>(query: string, variables: Record<string, unknown>, token = admin) =>
    gqlOk<T>(api, query, variables, token);

  beforeAll(async () => {
    const testbed = readTestbed();
    api = await startTestApi(AppModule.forRoot);
    await api.app.get(MarketplaceService).loadBuiltInCatalog();
    admin = await setupAdmin(api, ADMIN);
    operator = await signInNewUser(api, admin, {
      username: 'olivia',
      password: 'staple battery horse 6 correct',
      role: 'OPERATOR',
    });
    viewer = await signInNewUser(api, admin, {
      username: 'victor',
      password: 'staple battery horse 6 correct',
      role: 'VIEWER',
    });
    const added = await ok<{ addServer: { id: string } }>(
      'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
      {
        input: {
          name: 'box',
          host: testbed.ssh.host,
          port: testbed.ssh.port,
          username: testbed.ssh.username,
          authType: 'PASSWORD',
          password: testbed.ssh.password,
        },
      },
    );
    serverId = added.addServer.id;
  });

  afterAll(async () => {
    await api?.close();
  });

  it('validates at once, queues an install job with ids only, and never returns or audits a secret value', async () => {
    const input = {
      serverId,
      appId: 'builtin/pihole',
      config: { env: [{ name: 'WEBPASSWORD', value: SECRET }], pullPolicy: 'NEVER' },
    };

    expect(errorCodes(await call(INSTALL, { input }, viewer))).toEqual(['FORBIDDEN']);
    const missing = await call(
      INSTALL,
      { input: { ...input, config: { ports: [{ container: 1, host: 2 }] } } },
      operator,
    );
    expect(errorCodes(missing)).toEqual(['BAD_USER_INPUT']);
    expect(missing.errors?.[0]?.message).toContain('config.env.WEBPASSWORD is required by Pi-hole');
    expect(missing.errors?.[0]?.message).toContain('config.ports 1/tcp is not a port of Pi-hole');
    expect(errorCodes(await call(INSTALL, { input: { ...input, appId: 'builtin/nope' } }, operator))).toEqual([
      'NOT_FOUND',
    ]);
    expect(errorCodes(await call(INSTALL, { input: { ...input, serverId: 'no-such-server' } }, operator))).toEqual([
      'NOT_FOUND',
    ]);

    const { installApp: job } = await ok<{
      installApp: { id: string; kind: string; status: string; serverId: string; deploymentId: string };
    }>(INSTALL, { input }, operator);
    expect(job).toMatchObject({ kind: 'deployment.install', status: 'QUEUED', serverId });
    const { job: stored } = await ok<{ job: { input: string } }>(
      'query($id: ID!) { job(id: $id) { input } }',
      { id: job.id },
      viewer,
    );
    expect(JSON.parse(stored.input)).toEqual({ deploymentId: job.deploymentId });

    const { deployments } = await ok<{ deployments: Record<string, unknown>[] }>(
      `query($serverId: ID) { deployments(serverId: $serverId) { ${DEPLOYMENT_FIELDS} } }`,
      { serverId },
      viewer,
    );
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      id: job.deploymentId,
      appId: 'builtin/pihole',
      status: 'INSTALLING',
      containerName: expect.stringMatching(/^tomo-pihole-[0-9a-f]{8}$/),
      containerId: null,
      server: { id: serverId, name: 'box' },
      lastJob: { id: job.id, kind: 'deployment.install', status: 'QUEUED' },
      config: expect.objectContaining({ network: 'bridge', pullPolicy: 'NEVER' }),
    });
    expect((deployments[0]['config'] as { env: unknown[] }).env).toEqual([
      { name: 'TZ', value: 'UTC', secret: false },
      { name: 'WEBPASSWORD', value: null, secret: true },
    ]);
    const { deployment } = await ok<{ deployment: { id: string } }>(
      `query($id: ID!) { deployment(id: $id) { id } }`,
      { id: job.deploymentId },
      viewer,
    );
    expect(deployment.id).toBe(job.deploymentId);
    expect(errorCodes(await call(`query { deployment(id: "nope") { id } }`, {}, viewer))).toEqual(['NOT_FOUND']);

    // Actions are OPERATOR jobs on the deployment; reads are VIEWER.
    expect(
      errorCodes(
        await call('mutation($id: ID!) { stopApp(deploymentId: $id) { id } }', { id: job.deploymentId }, viewer),
      ),
    ).toEqual(['FORBIDDEN']);
    const { restartApp } = await ok<{ restartApp: { kind: string; deploymentId: string } }>(
      'mutation($id: ID!) { restartApp(deploymentId: $id) { kind deploymentId } }',
      { id: job.deploymentId },
      operator,
    );
    expect(restartApp).toEqual({ kind: 'deployment.restart', deploymentId: job.deploymentId });
    const update = await call(
      'mutation($input: UpdateAppInput!) { updateApp(input: $input) { kind } }',
      { input: { deploymentId: job.deploymentId, imageTag: 'bad tag!' } },
      operator,
    );
    expect(errorCodes(update)).toEqual(['BAD_USER_INPUT']);
    expect(
      errorCodes(
        await call('query($id: ID!) { containerLogs(deploymentId: $id, tail: 0) }', { id: job.deploymentId }, viewer),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    const { uninstallApp } = await ok<{ uninstallApp: { kind: string } }>(
      'mutation($id: ID!) { uninstallApp(deploymentId: $id, removeVolumes: true) { kind } }',
      { id: job.deploymentId },
      operator,
    );
    expect(uninstallApp.kind).toBe('deployment.uninstall');

    // The audit log records the mutations, never the secret value.
    const { auditLog } = await ok<{ auditLog: { nodes: { action: string; details: string | null }[] } }>(
      'query { auditLog(first: 50) { nodes { action details } } }',
      {},
      admin,
    );
    expect(auditLog.nodes.map((n) => n.action)).toEqual(
      expect.arrayContaining(['installApp', 'restartApp', 'uninstallApp']),
    );
    expect(JSON.stringify(auditLog)).not.toContain('s3cret');
  });

  it('refuses updateApp while an update of the deployment is pending (CONFLICT), so the record never names a target other than the one that runs', async () => {
    const input = {
      serverId,
      appId: 'builtin/pihole',
      config: { env: [{ name: 'WEBPASSWORD', value: SECRET }], pullPolicy: 'NEVER' },
    };
    const { installApp } = await ok<{ installApp: { deploymentId: string } }>(INSTALL, { input }, operator);
    const id = installApp.deploymentId;
    const UPDATE = 'mutation($input: UpdateAppInput!) { updateApp(input: $input) { id kind status } }';
    // The pending target is not on the API (only the job's outcome is): read the record itself.
    const target = async () => {
      const row = await api.app.get(DeploymentRecords).get(id);
      return { image: row.targetImage, tz: row.targetConfig?.env.find((e) => e.name === 'TZ')?.value };
    };

    // Concurrent requests: exactly one update starts; the others are refused and change nothing.
    const attempts = await Promise.all(
      ['A', 'B', 'C'].map((tz) =>
        call<{ updateApp: { id: string } }>(
          UPDATE,
          { input: { deploymentId: id, imageTag: `v-${tz}`, config: { env: [{ name: 'TZ', value: tz }] } } },
          operator,
        ),
      ),
    );
    const started = attempts.filter((a) => a.data?.updateApp);
    expect(started).toHaveLength(1);
    expect(attempts.filter((a) => a.errors).map((a) => errorCodes(a))).toEqual([['CONFLICT'], ['CONFLICT']]);
    const winner = attempts.findIndex((a) => a.data?.updateApp);
    const tz = ['A', 'B', 'C'][winner];
    expect(await target()).toEqual({ image: expect.stringMatching(new RegExp(`:v-${tz}$`)), tz });

    // Later, while that job is still queued: refused, naming the pending job; the target is unchanged.
    const refused = await call(
      UPDATE,
      { input: { deploymentId: id, imageTag: 'v-D', config: { env: [{ name: 'TZ', value: 'D' }] } } },
      operator,
    );
    expect(errorCodes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors?.[0]?.message).toContain(`update pending (job ${started[0].data?.updateApp.id}`);
    expect(await target()).toEqual({ image: expect.stringMatching(new RegExp(`:v-${tz}$`)), tz });

    // Once it is cancelled (finished), a new update may start.
    await ok('mutation($id: ID!) { cancelJob(id: $id) { status } }', { id: started[0].data?.updateApp.id }, operator);
    const next = await ok<{ updateApp: { kind: string } }>(
      UPDATE,
      { input: { deploymentId: id, imageTag: 'v-E', config: { env: [{ name: 'TZ', value: 'E' }] } } },
      operator,
    );
    expect(next.updateApp.kind).toBe('deployment.update');
    expect(await target()).toEqual({ image: expect.stringMatching(/:v-E$/), tz: 'E' });
  });

  it("lets an OPERATOR reach the host only as the app declares; bind mounts of other host paths and host networking are ADMIN's", async () => {
    const base = { serverId, appId: 'builtin/redis', config: { pullPolicy: 'NEVER' } };
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ volumes: [{ container: '/host', host: '/' }] }, /config\.volumes \/host: binding the host path \/$/],
      [
        { volumes: [{ container: '/var/run/docker.sock', host: '/var/run/docker.sock' }] },
        /binding the host path \/var\/run\/docker\.sock/,
      ],
      [{ volumes: [{ container: '/data', host: '/etc' }] }, /config\.volumes \/data: binding the host path \/etc/],
      [{ network: 'host' }, /config\.network: host networking, which Redis does not declare/],
    ];
    for (const [config, message] of refused) {
      const result = await call(INSTALL, { input: { ...base, config: { ...base.config, ...config } } }, operator);
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
      expect(result.errors?.[0]?.message).toMatch(message);
    }
    // What stays the OPERATOR's: the app's own volume elsewhere under its directory, a named volume.
    const allowed = {
      ...base.config,
      volumes: [
        { container: '/data', host: './redis-data' },
        { container: '/extra', host: 'cache' },
      ],
    };
    const { installApp } = await ok<{ installApp: { deploymentId: string } }>(
      INSTALL,
      { input: { ...base, config: allowed } },
      operator,
    );
    // An ADMIN may bind a host path.
    const { installApp: adminJob } = await ok<{ installApp: { deploymentId: string } }>(
      INSTALL,
      { input: { ...base, config: { ...base.config, volumes: [{ container: '/data', host: '/srv/redis' }] } } },
      admin,
    );
    expect(installApp.deploymentId).not.toBe(adminJob.deploymentId);
  });
});
