import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { MarketplaceService, MarketplaceWorkflowsModule } from '@tomo/marketplace';
import { RedisModule } from '@tomo/redis';
import { JobKind } from '@tomo/shared';
import {
  commitAll,
  createGitRepo,
  errorCodes,
  gitIn,
  gql,
  setupAdmin,
  signInNewUser,
  startTestApi,
  TEST_REDIS_URL,
  type TestApi,
  waitFor,
} from '@tomo/testing';
import { WorkflowWorkerModule } from '@tomo/workflows';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { operationAccess } from '../auth/operation-access';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const VIEWER = { username: 'vera', password: 'staple arev battery horse' };

const BUILT_IN_IDS = [
  'builtin/caddy',
  'builtin/heimdall',
  'builtin/pihole',
  'builtin/redis',
  'builtin/uptime-kuma',
  'builtin/whoami',
];
const COMMUNITY_IDS = ['community/heimdall', 'community/pihole', 'community/tomo-agent', 'community/uptime-kuma'];

const REPO_FIELDS =
  'id name url branch enabled builtIn lastSyncedAt lastSyncStatus lastSyncError lastCommit appCount errors { file message }';
const JOB_FIELDS = 'id kind status error { code message } steps { name status attempts error { code message } } result';

const APPS = `query($search: String, $category: String, $tag: String) {
  apps(search: $search, category: $category, tag: $tag) { id }
}`;
const ADD_REPO = `mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { ${REPO_FIELDS} } }`;
const SYNC = `mutation($id: ID!) { syncMarketplaceRepo(id: $id) { ${JOB_FIELDS} } }`;
const JOB = `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
const REPOS = `{ marketplaceRepos { ${REPO_FIELDS} } }`;
const SET_ENABLED = `mutation($id: ID!, $enabled: Boolean!) { setMarketplaceRepoEnabled(id: $id, enabled: $enabled) { id enabled } }`;
const REMOVE = `mutation($id: ID!) { removeMarketplaceRepo(id: $id) { id name } }`;

type Repo = {
  id: string;
  name: string;
  url: string;
  branch: string;
  enabled: boolean;
  builtIn: boolean;
  lastSyncStatus: string | null;
  lastSyncError: string | null;
  lastCommit: string | null;
  appCount: number;
  errors: { file: string; message: string }[];
};
type Job = {
  id: string;
  kind: string;
  status: string;
  error: { code: string; message: string } | null;
  steps: {
    name: string;
    status: string;
    attempts: number;
    error: { code: string; message: string } | null;
  }[];
  result: string | null;
};

/** The sample marketplace repository beside the checkout (`../shared/marketplace`). */
function sampleMarketplaceDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) dir = dirname(dir);
  return resolve(dir, '..', 'shared', 'marketplace');
}

/** A worker in this process on the API's database and Redis prefix, as `node dist/apps/worker/main.js` would be. */
@Module({})
class TestWorkerModule {
  static forRoot(api: TestApi): DynamicModule {
    const config = loadWorkerConfig(
      {
        DATA_DIR: api.config.dataDir,
        REDIS_URL: TEST_REDIS_URL,
        TOMO_REDIS_PREFIX: api.config.redisPrefix,
        LOG_LEVEL: 'silent',
        WORKER_CONCURRENCY: '2',
        SHUTDOWN_TIMEOUT_MS: '5000',
      },
      false,
    );
    return {
      module: TestWorkerModule,
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-test-worker'),
        WorkflowWorkerModule.forRoot({
          kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs, JobKind.MarketplaceSync],
          schedulePruning: false,
        }),
        MarketplaceWorkflowsModule,
      ],
    };
  }
}

describe('marketplace over real HTTP (API + worker, real git)', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let url: string;
  let root: string;
  let origin: string;
  let admin: string;
  let viewer: string;

  const appIds = async (variables: Record<string, unknown> = {}, token = viewer): Promise<string[]> => {
    const result = await gql<{ apps: { id: string }[] }>(url, APPS, variables, token);
    expect(result.errors).toBeUndefined();
    return (result.data?.apps ?? []).map((app) => app.id).sort();
  };

  const repoNamed = async (name: string): Promise<Repo | undefined> => {
    const result = await gql<{ marketplaceRepos: Repo[] }>(url, REPOS, {}, viewer);
    expect(result.errors).toBeUndefined();
    return result.data?.marketplaceRepos.find((repo) => repo.name === name);
  };

  /** Starts a sync over GraphQL and polls `job` until the worker finished it. */
  const sync = async (repoId: string): Promise<Job> => {
    const started = await gql<{ syncMarketplaceRepo: Job }>(url, SYNC, { id: repoId }, admin);
    expect(started.errors).toBeUndefined();
    const job = started.data?.syncMarketplaceRepo;
    expect(job).toMatchObject({
      kind: 'marketplace.sync',
      status: 'QUEUED',
      steps: [{ name: 'sync', status: 'PENDING' }],
    });
    return waitFor(
      async () => {
        const polled = await gql<{ job: Job }>(url, JOB, { id: job?.id }, viewer);
        const status = polled.data?.job.status;
        return (status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED') && polled.data?.job;
      },
      `marketplace.sync job ${job?.id} to finish`,
      60_000,
      100,
    );
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tomo-marketplace-api-'));
    origin = join(root, 'community');
    createGitRepo(sampleMarketplaceDir(), origin);

    api = await startTestApi((config) => AppModule.forRoot(config));
    url = api.graphqlUrl;
    // As main.ts does after the migrations.
    await api.app.get(MarketplaceService).loadBuiltInCatalog();
    worker = await NestFactory.createApplicationContext(TestWorkerModule.forRoot(api), { logger: ['error'] });
    await worker.init();

    admin = await setupAdmin(url, ADMIN);
    viewer = await signInNewUser(url, admin, { ...VIEWER, role: 'VIEWER' });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('declares reads for viewers and repository changes for admins', () => {
    const rules = Object.fromEntries(operationAccess(api.app).map((o) => [o.operation, o.rule]));
    expect(rules).toMatchObject({
      'Query.apps': { role: 'VIEWER' },
      'Query.app': { role: 'VIEWER' },
      'Query.categories': { role: 'VIEWER' },
      'Query.marketplaceRepos': { role: 'VIEWER' },
      'Mutation.addMarketplaceRepo': { role: 'ADMIN' },
      'Mutation.syncMarketplaceRepo': { role: 'ADMIN' },
      'Mutation.setMarketplaceRepoEnabled': { role: 'ADMIN' },
      'Mutation.removeMarketplaceRepo': { role: 'ADMIN' },
    });
  });

  it('serves the built-in catalog, searchable by text, category and tag', async () => {
    expect(errorCodes(await gql(url, APPS))).toEqual(['UNAUTHENTICATED']);
    expect(await appIds()).toEqual(BUILT_IN_IDS);
    expect(await appIds({ search: 'DNS blocking' })).toEqual(['builtin/pihole']);
    expect(await appIds({ search: 'dashboard' })).toEqual(['builtin/heimdall']);
    expect(await appIds({ search: 'no such app anywhere' })).toEqual([]);
    expect(await appIds({ category: 'networking' })).toEqual(['builtin/pihole', 'builtin/whoami']);
    expect(await appIds({ tag: 'cache' })).toEqual(['builtin/redis']);
    expect(await appIds({ category: 'utility', search: 'https' })).toEqual(['builtin/caddy']);

    const badCategory = await gql(url, APPS, { category: 'games' }, viewer);
    expect(errorCodes(badCategory)).toEqual(['BAD_USER_INPUT']);
    expect(badCategory.errors?.[0].message).toMatch(/^Category games does not exist; categories are automation, media/);

    const categories = await gql<{
      categories: { name: string; appCount: number }[];
    }>(url, '{ categories { name appCount } }', {}, viewer);
    expect(categories.data?.categories).toEqual([
      { name: 'monitoring', appCount: 1 },
      { name: 'networking', appCount: 2 },
      { name: 'storage', appCount: 1 },
      { name: 'utility', appCount: 2 },
    ]);

    const pihole = await gql<{ app: Record<string, unknown> }>(
      url,
      `query($id: ID!) { app(id: $id) {
        id repoId appId name version category tags removed
        image { reference tag }
        ports { container host protocol }
        env { name required secret defaultValue }
        volumes { container host readOnly }
        requirements { memory memoryBytes cpus }
        healthcheck { protocol path port }
      } }`,
      { id: 'builtin/pihole' },
      viewer,
    );
    expect(pihole.errors).toBeUndefined();
    expect(pihole.data?.app).toMatchObject({
      id: 'builtin/pihole',
      repoId: 'builtin',
      appId: 'pihole',
      name: 'Pi-hole',
      category: 'networking',
      tags: expect.arrayContaining(['dns']),
      removed: false,
      image: {
        reference: expect.stringMatching(/^pihole\/pihole:/),
        tag: expect.any(String),
      },
      ports: expect.arrayContaining([{ container: 53, host: expect.any(Number), protocol: 'udp' }]),
      env: expect.arrayContaining([
        {
          name: 'WEBPASSWORD',
          required: true,
          secret: true,
          defaultValue: null,
        },
        { name: 'TZ', required: false, secret: false, defaultValue: 'UTC' },
      ]),
      requirements: { memory: '512MB', memoryBytes: 512 * 1024 ** 2, cpus: 1 },
      healthcheck: { protocol: 'http', path: '/admin', port: 8080 },
    });
    expect(errorCodes(await gql(url, 'query { app(id: "builtin/nope") { id } }', {}, viewer))).toEqual(['NOT_FOUND']);

    const repos = await gql<{ marketplaceRepos: Repo[] }>(url, REPOS, {}, viewer);
    expect(repos.data?.marketplaceRepos).toEqual([
      expect.objectContaining({
        id: 'builtin',
        name: 'builtin',
        builtIn: true,
        enabled: true,
        lastSyncStatus: 'SUCCEEDED',
        appCount: 6,
        errors: [],
      }),
    ]);
  });

  it('refuses repository changes to viewers, and bad addresses naming the problem', async () => {
    const byViewer = await gql(url, ADD_REPO, { input: { name: 'community', url: origin, branch: 'main' } }, viewer);
    expect(errorCodes(byViewer)).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(url, SYNC, { id: 'builtin' }, viewer))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(url, SET_ENABLED, { id: 'builtin', enabled: false }, viewer))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(url, REMOVE, { id: 'builtin' }, viewer))).toEqual(['FORBIDDEN']);

    const plainHttp = await gql(url, ADD_REPO, { input: { name: 'plain', url: 'http://example.com/apps.git' } }, admin);
    expect(errorCodes(plainHttp)).toEqual(['BAD_USER_INPUT']);
    expect(plainHttp.errors?.[0].message).toMatch(
      /^Repository URL scheme http:\/\/ is not allowed; it must be an https:\/\/ or ssh:\/\/ URL/,
    );
    const option = await gql(url, ADD_REPO, { input: { name: 'option', url: '--upload-pack=touch' } }, admin);
    expect(errorCodes(option)).toEqual(['BAD_USER_INPUT']);
    expect(option.errors?.[0].message).toBe('Repository URL must not start with "-"');
    const transport = await gql(
      url,
      ADD_REPO,
      { input: { name: 'transport', url: 'ext::sh -c touch% /tmp/pwned' } },
      admin,
    );
    expect(errorCodes(transport)).toEqual(['BAD_USER_INPUT']);
    const password = await gql(
      url,
      ADD_REPO,
      {
        input: { name: 'secret', url: 'https://bob:hunter2@example.com/a.git' },
      },
      admin,
    );
    expect(errorCodes(password)).toEqual(['BAD_USER_INPUT']);
    expect(password.errors?.[0].message).toMatch(/^Repository URL must not contain a password/);
    expect(password.errors?.[0].message).not.toContain('hunter2');
    const badBranch = await gql(url, ADD_REPO, { input: { name: 'branchy', url: origin, branch: '--force' } }, admin);
    expect(errorCodes(badBranch)).toEqual(['BAD_USER_INPUT']);
    expect(badBranch.errors?.[0].message).toBe('Branch "--force" must not start with "-", "/" or "."');
    const badName = await gql(url, ADD_REPO, { input: { name: 'Not A Slug', url: origin } }, admin);
    expect(errorCodes(badName)).toEqual(['BAD_USER_INPUT']);
    expect(badName.errors?.[0].message).toMatch(/Repository name "Not A Slug" must be/);

    // Nothing refused was stored, and the built-in repository is as it was.
    for (const name of ['community', 'plain', 'option', 'transport', 'secret', 'branchy', 'Not A Slug']) {
      expect([name, await repoNamed(name)]).toEqual([name, undefined]);
    }
    expect(await repoNamed('builtin')).toMatchObject({ enabled: true });
    expect(errorCodes(await gql(url, SYNC, { id: 'no-such-repo' }, admin))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(url, REMOVE, { id: 'builtin' }, admin))).toEqual(['CONFLICT']);
  });

  it('adds a git repository, syncs it through a job, reports a broken file, disables and removes it', async () => {
    const added = await gql<{ addMarketplaceRepo: Repo }>(
      url,
      ADD_REPO,
      { input: { name: 'community', url: origin } },
      admin,
    );
    expect(added.errors).toBeUndefined();
    const repo = added.data?.addMarketplaceRepo as Repo;
    expect(repo).toMatchObject({
      name: 'community',
      url: origin,
      branch: 'main',
      enabled: true,
      builtIn: false,
      lastSyncStatus: null,
      appCount: 0,
    });
    const duplicate = await gql(url, ADD_REPO, { input: { name: 'community', url: `${origin}-other` } }, admin);
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);

    // First sync: a clone, four apps.
    const first = await sync(repo.id);
    expect(first).toMatchObject({
      status: 'SUCCEEDED',
      error: null,
      steps: [{ name: 'sync', status: 'SUCCEEDED', attempts: 1 }],
    });
    const firstResult = JSON.parse(first.result ?? '{}') as {
      status: string;
      added: string[];
      errors: unknown[];
    };
    expect({
      ...firstResult,
      added: [...firstResult.added].sort(),
    }).toMatchObject({ status: 'SUCCEEDED', added: COMMUNITY_IDS, errors: [] });
    const head = gitIn(origin, 'rev-parse', 'HEAD').trim();
    expect(await repoNamed('community')).toMatchObject({
      lastSyncStatus: 'SUCCEEDED',
      lastCommit: head,
      appCount: 4,
      errors: [],
      lastSyncError: null,
    });
    expect((await appIds()).filter((id) => id.startsWith('community/'))).toEqual(COMMUNITY_IDS);
    expect(await appIds({ search: 'agent' })).toEqual(['community/tomo-agent']);
    expect(await appIds({ category: 'utility' })).toEqual([
      'builtin/caddy',
      'builtin/heimdall',
      'community/heimdall',
      'community/tomo-agent',
    ]);

    // A broken app.yaml: reported on the repository; the other apps stay, the broken one keeps its previous version.
    writeFileSync(join(origin, 'apps/utility/heimdall/app.yaml'), 'id: heimdall\nname: [unclosed\n');
    writeFileSync(
      join(origin, 'apps/monitoring/uptime-kuma/app.yaml'),
      readFileSync(join(origin, 'apps/monitoring/uptime-kuma/app.yaml'), 'utf8').replace(
        /^description: .*$/m,
        'description: Uptime monitoring, now with a changed description.',
      ),
    );
    const broken = commitAll(origin, 'break heimdall, change uptime-kuma');
    const second = await sync(repo.id);
    expect(second.status).toBe('SUCCEEDED');
    expect(JSON.parse(second.result ?? '{}')).toMatchObject({
      status: 'PARTIAL',
      added: [],
      updated: ['community/uptime-kuma'],
      removed: [],
      keptInvalid: ['community/heimdall'],
      unchanged: 2,
    });
    const partial = await repoNamed('community');
    expect(partial).toMatchObject({
      lastSyncStatus: 'PARTIAL',
      lastCommit: broken,
      appCount: 4,
    });
    expect(partial?.errors).toEqual([
      {
        file: 'apps/utility/heimdall/app.yaml',
        message: expect.stringMatching(/^apps\/utility\/heimdall\/app\.yaml: /),
      },
    ]);
    expect((await appIds()).filter((id) => id.startsWith('community/'))).toEqual(COMMUNITY_IDS);
    expect(await appIds({ search: 'changed description' })).toEqual(['community/uptime-kuma']);

    // Disabled: its apps leave the catalog (still readable by id, for deployments), and come back.
    const disabled = await gql(url, SET_ENABLED, { id: repo.id, enabled: false }, admin);
    expect(disabled.data).toEqual({
      setMarketplaceRepoEnabled: { id: repo.id, enabled: false },
    });
    expect(await appIds()).toEqual(BUILT_IN_IDS);
    expect(await appIds({ search: 'agent' })).toEqual([]);
    const categories = await gql<{
      categories: { name: string; appCount: number }[];
    }>(url, '{ categories { name appCount } }', {}, viewer);
    expect(categories.data?.categories.find((c) => c.name === 'utility')).toEqual({ name: 'utility', appCount: 2 });
    const byId = await gql<{ app: { id: string } }>(
      url,
      'query { app(id: "community/tomo-agent") { id } }',
      {},
      viewer,
    );
    expect(byId.data?.app.id).toBe('community/tomo-agent');
    await gql(url, SET_ENABLED, { id: repo.id, enabled: true }, admin);
    expect((await appIds()).filter((id) => id.startsWith('community/'))).toEqual(COMMUNITY_IDS);

    // Removed: the repository, its apps and its checkout are gone.
    const checkout = join(api.config.dataDir, 'marketplace', repo.id);
    expect(existsSync(join(checkout, 'manifest.json'))).toBe(true);
    const removed = await gql(url, REMOVE, { id: repo.id }, admin);
    expect(removed.data).toEqual({
      removeMarketplaceRepo: { id: repo.id, name: 'community' },
    });
    expect(await appIds()).toEqual(BUILT_IN_IDS);
    expect(await repoNamed('community')).toBeUndefined();
    expect(existsSync(checkout)).toBe(false);
  });

  it('runs two syncs of one repository requested together one after the other (the second waits for the first)', async () => {
    const twice = join(root, 'twice');
    createGitRepo(sampleMarketplaceDir(), twice);
    const added = await gql<{ addMarketplaceRepo: Repo }>(
      url,
      ADD_REPO,
      { input: { name: 'twice', url: twice } },
      admin,
    );
    expect(added.errors).toBeUndefined();
    const repoId = added.data?.addMarketplaceRepo.id ?? '';
    const [a, b] = await Promise.all([sync(repoId), sync(repoId)]);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const waits = async (job: Job) => {
      const result = await gql<{ job: { events: { type: string; message: string }[] } }>(
        url,
        'query($id: ID!) { job(id: $id) { events { type message } } }',
        { id: job.id },
        viewer,
      );
      return (result.data?.job.events ?? [])
        .filter((event) => event.type === 'job.waiting')
        .map((event) => event.message);
    };
    const waited = [...(await waits(a)), ...(await waits(b))];
    expect(waited.length).toBeGreaterThan(0);
    expect(
      waited.every((message) => message === `Waiting for job ${a.id}` || message === `Waiting for job ${b.id}`),
    ).toBe(true);
    expect((await gql(url, REMOVE, { id: repoId }, admin)).errors).toBeUndefined();
  });

  it('fails a sync of a wrong address at once (BAD_USER_INPUT, no retry) and records it on the repository', async () => {
    const missing = join(root, 'does-not-exist');
    const added = await gql<{ addMarketplaceRepo: Repo }>(
      url,
      ADD_REPO,
      { input: { name: 'missing', url: missing } },
      admin,
    );
    expect(added.errors).toBeUndefined();
    const job = await sync(added.data?.addMarketplaceRepo.id ?? '');
    expect(job.status).toBe('FAILED');
    expect(job.error?.code).toBe('BAD_USER_INPUT');
    expect(job.steps).toEqual([
      {
        name: 'sync',
        status: 'FAILED',
        attempts: 1,
        error: { code: 'BAD_USER_INPUT', message: job.error?.message },
      },
    ]);
    const repo = await repoNamed('missing');
    expect(repo).toMatchObject({
      lastSyncStatus: 'FAILED',
      appCount: 0,
      lastSyncError: job.error?.message,
    });
  });

  it('keeps a token in a repository URL encrypted and never returns it', async () => {
    const TOKEN = 'ghp_s3cretTokenOfTheTeam';
    const added = await gql<{ addMarketplaceRepo: Repo }>(
      url,
      ADD_REPO,
      { input: { name: 'private', url: `https://${TOKEN}@127.0.0.1:1/team/apps.git` } },
      admin,
    );
    expect(added.errors).toBeUndefined();
    expect(added.data?.addMarketplaceRepo.url).toBe('https://127.0.0.1:1/team/apps.git');
    expect((await repoNamed('private'))?.url).toBe('https://127.0.0.1:1/team/apps.git');
    // Port 1 on loopback refuses: the sync fails without leaving the machine, and says nothing of the token.
    const job = await sync(added.data?.addMarketplaceRepo.id ?? '');
    expect(job.status).toBe('FAILED');
    const everything = JSON.stringify([job, await repoNamed('private')]);
    expect(everything).not.toContain(TOKEN);

    const rows: { url: string; credentialsCiphertext: string | null }[] = await api.app
      .get(DataSource)
      .query(`SELECT url, "credentialsCiphertext" FROM marketplace_repo WHERE name = 'private'`);
    expect(rows).toEqual([
      { url: 'https://127.0.0.1:1/team/apps.git', credentialsCiphertext: expect.stringMatching(/^tomo1\./) },
    ]);
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
  });
});
