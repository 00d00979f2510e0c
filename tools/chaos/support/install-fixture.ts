import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, gqlOk, readTestbed, setupAdmin, type TestbedState } from '@tomo/testing';
import { createTestMarketplace, testbedDocker } from '../../../apps/e2e/src/support/testbed-app';

/** The runs' installs: the test app copied under one id per install, each on its own host port. */
const FIRST_PORT = 21_000;

export interface StoredEvent {
  seq: number;
  type: string;
  step: string | null;
  at: string;
}

export interface StoredJob {
  status: string;
  deploymentId: string | null;
  error: { code: string; message: string } | null;
  steps: { name: string; status: string; attempts: number }[];
  events: StoredEvent[];
}

export async function poll<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not after ${seconds} s`);
}

/** Labelled containers on the testbed's engine, with their state (`running`, `exited`, …) and the deployment each belongs to. */
export function managedContainers(testbed: TestbedState): { id: string; state: string; deploymentId: string }[] {
  return testbedDocker(
    testbed,
    'ps',
    '-a',
    '--filter',
    'label=tomo.managed=true',
    '--format',
    '{{.ID}} {{.State}} {{.Label "tomo.deployment"}}',
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, state, deploymentId = ''] = line.split(' ');
      return { id, state, deploymentId };
    });
}

/** Removes every labelled container: a run's deployments are gone with its temp database. */
export function removeManagedContainers(testbed: TestbedState): number {
  const ids = managedContainers(testbed).map((container) => container.id);
  if (ids.length > 0) testbedDocker(testbed, 'rm', '-f', ...ids);
  return ids.length;
}

/**
 * An admin token, `servers` servers (the testbed's sshd under different names; with `sshPorts`,
 * one server per port instead, e.g. throwaway sshds) and a catalog of `apps` copies of the test
 * app (`chaos-app-<i>`, port FIRST_PORT + i): an install each.
 */
export async function installFixture(
  stack: { baseUrl: string },
  marketplaceDir: string,
  options: { apps: number; servers: number; password: string; sshPorts?: readonly number[] },
) {
  const testbed = readTestbed();
  const token = await setupAdmin(stack, { username: 'chaos-admin', password: options.password });

  createTestMarketplace(testbed, marketplaceDir, FIRST_PORT);
  const template = join(marketplaceDir, 'apps/utility/busybox-httpd');
  const yaml = readFileSync(join(template, 'app.yaml'), 'utf8');
  const appIds: string[] = [];
  for (let i = 0; i < options.apps; i++) {
    const dir = join(marketplaceDir, `apps/utility/chaos-app-${i}`);
    cpSync(template, dir, { recursive: true });
    writeFileSync(
      join(dir, 'app.yaml'),
      yaml.replace('id: busybox-httpd', `id: chaos-app-${i}`).replaceAll(String(FIRST_PORT), String(FIRST_PORT + i)),
    );
    appIds.push(`chaos-app-${i}`);
  }
  rmSync(template, { recursive: true });
  // The repository's manifest lists its apps: the copies instead of the template.
  const manifestFile = join(marketplaceDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { apps: { id: string; path: string }[] };
  const [entry] = manifest.apps;
  manifest.apps = appIds.map((id) => ({ ...entry, id, path: `apps/utility/${id}` }));
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  commitAll(marketplaceDir, 'one app per install');

  const serverIds: string[] = [];
  const ports = options.sshPorts ?? Array.from({ length: options.servers }, () => testbed.ssh.port);
  for (const [i, port] of ports.entries()) {
    const { addServer } = await gqlOk<{ addServer: { id: string } }>(
      stack,
      'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
      {
        input: {
          name: `chaos-${i}`,
          host: testbed.ssh.host,
          port,
          username: testbed.ssh.username,
          authType: 'PASSWORD',
          password: testbed.ssh.password,
        },
      },
      token,
    );
    serverIds.push(addServer.id);
  }
  const { addMarketplaceRepo } = await gqlOk<{ addMarketplaceRepo: { id: string } }>(
    stack,
    'mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { id } }',
    { input: { name: 'chaos', url: marketplaceDir, branch: 'main' } },
    token,
  );
  await gqlOk(
    stack,
    'mutation($id: ID!) { syncMarketplaceRepo(id: $id) { id } }',
    { id: addMarketplaceRepo.id },
    token,
  );
  // Catalog ids carry the repository's name: take them as the catalog lists them.
  const catalog = await poll('the apps in the catalog', 120, async () => {
    const { apps } = await gqlOk<{ apps: { id: string }[] }>(stack, '{ apps(search: "chaos-app") { id } }', {}, token);
    return apps.length >= options.apps ? apps.map((app) => app.id) : undefined;
  });
  const catalogIds = appIds.map((id) => {
    const found = catalog.find((entry) => entry === id || entry.endsWith(`/${id}`));
    if (!found) throw new Error(`${id} is not in the catalog (${catalog.join(', ')})`);
    return found;
  });
  return { testbed, token, serverIds, appIds: catalogIds };
}

export async function installApp(
  stack: { baseUrl: string },
  token: string,
  serverId: string,
  appId: string,
): Promise<string> {
  const { installApp: job } = await gqlOk<{ installApp: { id: string } }>(
    stack,
    'mutation($input: InstallAppInput!) { installApp(input: $input) { id } }',
    { input: { serverId, appId, config: { pullPolicy: 'IF_MISSING' } } },
    token,
  );
  return job.id;
}

export async function storedJob(stack: { baseUrl: string }, token: string, id: string): Promise<StoredJob> {
  const { job } = await gqlOk<{ job: StoredJob }>(
    stack,
    'query($id: ID!) { job(id: $id) { status deploymentId error { code message } steps { name status attempts } events { seq type step at } } }',
    { id },
    token,
  );
  return job;
}

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
