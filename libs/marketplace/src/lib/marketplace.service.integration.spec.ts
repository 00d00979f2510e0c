import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type CommonConfig, TomoConfigModule } from '@tomo/config';
import { dataSourceOptions } from '@tomo/database';
import { ErrorCode, TomoException } from '@tomo/shared';
import { MarketplaceSyncStatus } from './entities';
import { MarketplaceModule } from './marketplace.module';
import { type MarketplaceApp, MarketplaceService } from './marketplace.service';
import { commitAll, createGitRepo } from '@tomo/testing';
import { SAMPLE_MARKETPLACE_DIR, TEST_APPS_DIR } from './testing/sample-marketplace';

const BUILT_IN_IDS = [
  'builtin/caddy',
  'builtin/heimdall',
  'builtin/pihole',
  'builtin/redis',
  'builtin/uptime-kuma',
  'builtin/whoami',
];
const SAMPLE_IDS = ['community/heimdall', 'community/pihole', 'community/tomo-agent', 'community/uptime-kuma'];

const ids = (apps: MarketplaceApp[]) => apps.map((app) => app.id).sort();

async function errorOf(promise: Promise<unknown>): Promise<TomoException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TomoException) return error;
    throw error;
  }
  throw new Error('expected a TomoException');
}

describe('MarketplaceService (SQLite, system git)', () => {
  let root: string;
  let dataDir: string;
  let origin: string;
  let moduleRef: TestingModule;
  let service: MarketplaceService;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'tomo-marketplace-'));
    dataDir = join(root, 'data');
    origin = join(root, 'origin');
    createGitRepo(SAMPLE_MARKETPLACE_DIR, origin);
    const config: CommonConfig = {
      dataDir,
      database: { type: 'sqlite', path: join(dataDir, 'tomo.sqlite'), synchronous: 'FULL' },
      maintenance: { backupsToKeep: 7, diskLowPercent: 90 },
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'unused',
      redisFailFast: false,
      masterKey: undefined,
      previousMasterKey: undefined,
      log: { level: 'silent', pretty: false },
      fetchAppIcons: false,
      shutdownTimeoutMs: 30_000,
    };
    moduleRef = await Test.createTestingModule({
      imports: [
        TomoConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), autoLoadEntities: true }),
        MarketplaceModule,
      ],
    }).compile();
    await moduleRef.get(DataSource).runMigrations({ transaction: 'each' });
    service = moduleRef.get(MarketplaceService);
  });

  afterEach(async () => {
    await moduleRef?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const writeOrigin = (file: string, text: string) => {
    mkdirSync(join(origin, file, '..'), { recursive: true });
    writeFileSync(join(origin, file), text);
  };
  const manifestOf = () =>
    JSON.parse(readFileSync(join(origin, 'manifest.json'), 'utf8')) as { apps: { id: string; path: string }[] };

  it('loads the built-in catalog idempotently, as a repository that cannot be removed', async () => {
    const first = await service.loadBuiltInCatalog();
    expect(first).toMatchObject({
      repoId: 'builtin',
      status: MarketplaceSyncStatus.Succeeded,
      errors: [],
      removed: [],
    });
    expect(first.added.sort()).toEqual(BUILT_IN_IDS);
    const again = await service.loadBuiltInCatalog();
    expect(again).toMatchObject({ added: [], updated: [], removed: [], unchanged: 6 });

    expect(ids(await service.listApps())).toEqual(BUILT_IN_IDS);
    const kuma = await service.getApp('builtin/uptime-kuma');
    expect(kuma).toMatchObject({ appId: 'uptime-kuma', name: 'Uptime Kuma', category: 'monitoring', removed: false });
    expect(kuma.definition.image).toEqual({
      reference: 'louislam/uptime-kuma:1.23.16',
      registry: null,
      repository: 'louislam/uptime-kuma',
      tag: '1.23.16',
    });
    const [builtIn] = await service.listRepos();
    expect(builtIn).toMatchObject({
      id: 'builtin',
      name: 'builtin',
      builtIn: true,
      enabled: true,
      appCount: 6,
      lastSyncStatus: 'SUCCEEDED',
    });

    expect((await errorOf(service.removeRepo('builtin'))).code).toBe(ErrorCode.Conflict);
    // Disabling is allowed, and survives a restart (the next load).
    await service.setRepoEnabled('builtin', false);
    await service.loadBuiltInCatalog();
    expect(await service.listApps()).toEqual([]);
    expect((await service.getRepo('builtin')).enabled).toBe(false);
  });

  it('syncs a git copy of the sample marketplace, then reports a broken app, keeps the rest and marks a removed one', async () => {
    await service.loadBuiltInCatalog();
    const repo = await service.addRepo({ name: 'community', url: origin, branch: 'main' });
    expect(repo).toMatchObject({
      name: 'community',
      url: origin,
      branch: 'main',
      enabled: true,
      builtIn: false,
      lastSyncStatus: null,
    });

    const lines: string[] = [];
    const first = await service.syncRepo(repo.id, { log: (line) => lines.push(line) });
    expect(first).toMatchObject({ status: 'SUCCEEDED', updated: [], removed: [], errors: [], unchanged: 0 });
    expect(first.added.sort()).toEqual(SAMPLE_IDS);
    expect(lines).toEqual(
      expect.arrayContaining([
        `Cloning branch main of ${origin}`,
        'Read 4 valid app(s) and 0 error(s) from manifest.json',
        'Added 4, updated 0, removed 0, unchanged 0',
      ]),
    );
    expect(ids(await service.listApps())).toEqual([...BUILT_IN_IDS, ...SAMPLE_IDS].sort());
    expect(existsSync(join(dataDir, 'marketplace', repo.id, 'manifest.json'))).toBe(true);

    // New commit: a new app that breaks the schema, an existing app broken, one app removed, one changed.
    writeOrigin(
      'apps/media/jellyfin/app.yaml',
      readFileSync(join(origin, 'apps/utility/heimdall/app.yaml'), 'utf8')
        .replace('id: heimdall', 'id: jellyfin')
        .replace('container: 80', 'container: "80"'),
    );
    writeOrigin(
      'apps/networking/pihole/app.yaml',
      readFileSync(join(origin, 'apps/networking/pihole/app.yaml'), 'utf8').replace(
        'category: networking',
        'category: dns',
      ),
    );
    writeOrigin(
      'apps/utility/heimdall/app.yaml',
      readFileSync(join(origin, 'apps/utility/heimdall/app.yaml'), 'utf8').replace(
        'version: "1.1.0"',
        'version: "1.2.0"',
      ),
    );
    rmSync(join(origin, 'apps/utility/tomo-agent'), { recursive: true });
    const manifest = manifestOf();
    manifest.apps = manifest.apps.filter((app) => app.id !== 'tomo-agent');
    manifest.apps.push({ id: 'jellyfin', path: 'apps/media/jellyfin' });
    writeOrigin('manifest.json', JSON.stringify(manifest, null, 2));
    const second = commitAll(origin, 'break one, remove one');

    const sync = await service.syncRepo(repo.id);
    expect(sync).toEqual({
      repoId: repo.id,
      status: 'PARTIAL',
      commit: second,
      added: [],
      updated: ['community/heimdall'],
      removed: ['community/tomo-agent'],
      keptInvalid: ['community/pihole'],
      unchanged: 1,
      errors: [
        {
          file: 'apps/networking/pihole/app.yaml',
          message:
            'apps/networking/pihole/app.yaml: /category must be one of: automation, media, monitoring, networking, security, storage, utility',
        },
        {
          file: 'apps/media/jellyfin/app.yaml',
          message: 'apps/media/jellyfin/app.yaml: /docker/ports/0/container must be integer',
        },
      ],
    });
    expect(await service.getRepo(repo.id)).toMatchObject({
      lastSyncStatus: 'PARTIAL',
      lastCommit: second,
      lastSyncError: null,
      appCount: 3,
      errors: sync.errors,
    });
    const community = (await service.listApps()).filter((app) => app.repoId === repo.id);
    expect(ids(community)).toEqual(['community/heimdall', 'community/pihole', 'community/uptime-kuma']);
    expect((await service.getApp('community/heimdall')).version).toBe('1.2.0');
    // The broken pihole keeps its previous, valid version.
    expect((await service.getApp('community/pihole')).category).toBe('networking');
    // The removed app stays readable for the deployments that use it, marked as removed.
    expect(await service.getApp('community/tomo-agent')).toMatchObject({ removed: true, name: 'Tomo Agent' });

    // Fixing the files brings everything back; an unchanged sync changes nothing.
    writeOrigin(
      'apps/networking/pihole/app.yaml',
      readFileSync(join(SAMPLE_MARKETPLACE_DIR, 'apps/networking/pihole/app.yaml'), 'utf8'),
    );
    writeOrigin(
      'apps/utility/tomo-agent/app.yaml',
      readFileSync(join(SAMPLE_MARKETPLACE_DIR, 'apps/utility/tomo-agent/app.yaml'), 'utf8'),
    );
    writeOrigin('manifest.json', readFileSync(join(SAMPLE_MARKETPLACE_DIR, 'manifest.json'), 'utf8'));
    commitAll(origin, 'fix');
    const fixed = await service.syncRepo(repo.id);
    // pihole was never overwritten by its broken version, so only the returning app changes.
    expect(fixed).toMatchObject({
      status: 'SUCCEEDED',
      added: [],
      updated: ['community/tomo-agent'],
      removed: [],
      keptInvalid: [],
      errors: [],
      unchanged: 3,
    });
    expect((await service.getApp('community/tomo-agent')).removed).toBe(false);
    expect(await service.syncRepo(repo.id)).toMatchObject({ added: [], updated: [], removed: [], unchanged: 4 });
  });

  it('searches by text, category and tag over enabled repositories only', async () => {
    await service.loadBuiltInCatalog();
    const repo = await service.addRepo({ name: 'community', url: origin, branch: 'main' });
    await service.syncRepo(repo.id);

    expect(ids(await service.listApps({ search: 'UPTIME' }))).toEqual(['builtin/uptime-kuma', 'community/uptime-kuma']);
    expect(ids(await service.listApps({ search: 'dns blocking' }))).toEqual(['builtin/pihole', 'community/pihole']);
    expect(ids(await service.listApps({ search: 'registration' }))).toEqual([]);
    expect(ids(await service.listApps({ search: 'agent management' }))).toEqual(['community/tomo-agent']);
    expect(ids(await service.listApps({ category: 'networking' }))).toEqual([
      'builtin/pihole',
      'builtin/whoami',
      'community/pihole',
    ]);
    expect(ids(await service.listApps({ tag: 'dashboard' }))).toEqual(['builtin/heimdall', 'community/heimdall']);
    expect(ids(await service.listApps({ category: 'utility', tag: 'monitoring' }))).toEqual(['community/tomo-agent']);
    expect(ids(await service.listApps({ category: 'storage', search: 'cache' }))).toEqual(['builtin/redis']);
    expect((await errorOf(service.listApps({ category: 'games' }))).code).toBe(ErrorCode.BadUserInput);
    expect(await service.categories()).toEqual([
      { name: 'monitoring', appCount: 2 },
      { name: 'networking', appCount: 3 },
      { name: 'storage', appCount: 1 },
      { name: 'utility', appCount: 4 },
    ]);

    await service.setRepoEnabled(repo.id, false);
    expect(ids(await service.listApps())).toEqual(BUILT_IN_IDS);
    expect(ids(await service.listApps({ search: 'agent' }))).toEqual([]);
    expect(await service.categories()).toEqual([
      { name: 'monitoring', appCount: 1 },
      { name: 'networking', appCount: 2 },
      { name: 'storage', appCount: 1 },
      { name: 'utility', appCount: 2 },
    ]);
    // Apps of a disabled repository are still readable by id (deployments of them).
    expect((await service.getApp('community/tomo-agent')).name).toBe('Tomo Agent');
    await service.setRepoEnabled(repo.id, true);
    expect(ids(await service.listApps({ search: 'agent' }))).toEqual(['community/tomo-agent']);
  });

  it('validates new repositories and refuses duplicates with CONFLICT', async () => {
    await service.loadBuiltInCatalog();
    const repo = await service.addRepo({ name: 'community', url: origin });
    expect(repo.branch).toBe('main');

    const sameUrl = await errorOf(service.addRepo({ name: 'other', url: ` ${origin} `, branch: 'main' }));
    expect(sameUrl).toMatchObject({
      code: ErrorCode.Conflict,
      message: `Branch main of ${origin} is already a marketplace repository`,
    });
    const sameName = await errorOf(service.addRepo({ name: 'community', url: origin, branch: 'stable' }));
    expect(sameName).toMatchObject({
      code: ErrorCode.Conflict,
      message: 'A marketplace repository named community already exists',
    });
    expect((await errorOf(service.addRepo({ name: 'builtin', url: origin, branch: 'x' }))).code).toBe(
      ErrorCode.Conflict,
    );
    // Another branch of the same URL is another repository.
    await expect(service.addRepo({ name: 'community-stable', url: origin, branch: 'stable' })).resolves.toBeDefined();

    expect(await errorOf(service.addRepo({ name: 'Bad Name', url: origin }))).toMatchObject({
      code: ErrorCode.BadUserInput,
      message: expect.stringContaining('must be 2-40 lowercase letters'),
    });
    expect(await errorOf(service.addRepo({ name: 'evil', url: 'ext::sh -c id' }))).toMatchObject({
      code: ErrorCode.BadUserInput,
    });
    expect(await errorOf(service.addRepo({ name: 'evil', url: origin, branch: '--upload-pack=id' }))).toMatchObject({
      code: ErrorCode.BadUserInput,
    });
    expect((await errorOf(service.syncRepo('nope'))).code).toBe(ErrorCode.NotFound);
    expect((await errorOf(service.getApp('community/nope'))).code).toBe(ErrorCode.NotFound);
  });

  it('removes a repository with its apps and checkout', async () => {
    const repo = await service.addRepo({ name: 'community', url: origin });
    await service.syncRepo(repo.id);
    await service.removeRepo(repo.id);
    expect(await service.listRepos()).toEqual([]);
    expect((await errorOf(service.getApp('community/heimdall'))).code).toBe(ErrorCode.NotFound);
    expect(existsSync(join(dataDir, 'marketplace', repo.id))).toBe(false);
    expect((await errorOf(service.removeRepo(repo.id))).code).toBe(ErrorCode.NotFound);
  });

  it('records a failed or cancelled sync on the repository and keeps its apps', async () => {
    const repo = await service.addRepo({ name: 'community', url: origin });
    await service.syncRepo(repo.id);
    rmSync(origin, { recursive: true });

    const failed = await errorOf(service.syncRepo(repo.id));
    expect(failed.code).toBe(ErrorCode.BadUserInput);
    expect(failed.message).toMatch(/^git fetch failed: fatal: '.*origin' does not appear to be a git repository/);
    expect(await service.getRepo(repo.id)).toMatchObject({
      lastSyncStatus: 'FAILED',
      lastSyncError: failed.message,
      appCount: 4,
    });
    expect(ids(await service.listApps())).toEqual(SAMPLE_IDS);

    const controller = new AbortController();
    controller.abort();
    expect((await errorOf(service.syncRepo(repo.id, { signal: controller.signal }))).code).toBe(ErrorCode.Cancelled);
    expect(await service.getRepo(repo.id)).toMatchObject({
      lastSyncStatus: 'FAILED',
      lastSyncError: 'Sync was cancelled',
    });
  });

  it('syncs a repository that has no manifest.json, such as the test apps', async () => {
    const testApps = join(root, 'test-apps');
    createGitRepo(TEST_APPS_DIR, testApps, 'trunk');
    rmSync(join(testApps, 'manifest.json'));
    commitAll(testApps, 'no manifest');
    const repo = await service.addRepo({ name: 'tomo-test', url: testApps, branch: 'trunk' });
    expect(await service.syncRepo(repo.id)).toMatchObject({ added: ['tomo-test/busybox-httpd'], errors: [] });
    expect((await service.getApp('tomo-test/busybox-httpd')).definition).toMatchObject({
      command: ['httpd', '-f', '-v', '-p', '18080', '-h', '/etc'],
      network: { mode: 'host', networks: [] },
    });
  });
});
