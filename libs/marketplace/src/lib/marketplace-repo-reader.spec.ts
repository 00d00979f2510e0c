import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUILT_IN_CATALOG_DIR } from './built-in-catalog';
import { MAX_APPS_PER_REPO, MAX_MANIFEST_BYTES, readMarketplaceRepo } from './marketplace-repo-reader';
import { SAMPLE_MARKETPLACE_DIR, TEST_APPS_DIR } from './testing/sample-marketplace';

describe('readMarketplaceRepo', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tomo-repo-reader-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  const sample = (path: string) => readFileSync(join(SAMPLE_MARKETPLACE_DIR, 'apps', path, 'app.yaml'), 'utf8');

  it('reads the four sample apps through their manifest', async () => {
    const result = await readMarketplaceRepo(SAMPLE_MARKETPLACE_DIR);
    expect(result.errors).toEqual([]);
    expect(result.source).toBe('manifest');
    expect(result.apps.map(({ app, file }) => [app.id, file])).toEqual([
      ['tomo-agent', 'apps/utility/tomo-agent/app.yaml'],
      ['uptime-kuma', 'apps/monitoring/uptime-kuma/app.yaml'],
      ['heimdall', 'apps/utility/heimdall/app.yaml'],
      ['pihole', 'apps/networking/pihole/app.yaml'],
    ]);
  });

  it('walks apps/*/*/app.yaml when there is no manifest', async () => {
    cpSync(join(SAMPLE_MARKETPLACE_DIR, 'apps'), join(dir, 'apps'), { recursive: true });
    const result = await readMarketplaceRepo(dir);
    expect(result.source).toBe('directory');
    expect(result.errors).toEqual([]);
    expect(result.apps.map(({ app }) => app.id)).toEqual(['uptime-kuma', 'pihole', 'heimdall', 'tomo-agent']);
  });

  it('reports each bad file and keeps the valid apps', async () => {
    write('apps/monitoring/uptime-kuma/app.yaml', sample('monitoring/uptime-kuma'));
    write('apps/utility/broken/app.yaml', sample('utility/heimdall').replace('container: 80', 'container: http'));
    write('apps/utility/copy/app.yaml', sample('monitoring/uptime-kuma'));
    write('apps/utility/no-file/README.md', 'an app folder without app.yaml');
    write('apps/utility/syntax/app.yaml', 'id: [unclosed\n');
    const result = await readMarketplaceRepo(dir);
    expect(result.apps.map(({ app }) => app.id)).toEqual(['uptime-kuma']);
    expect(result.errors).toEqual([
      {
        file: 'apps/utility/broken/app.yaml',
        message: 'apps/utility/broken/app.yaml: /docker/ports/0/container must be integer',
      },
      {
        file: 'apps/utility/copy/app.yaml',
        message: 'apps/utility/copy/app.yaml: /id uptime-kuma is already used by apps/monitoring/uptime-kuma/app.yaml',
      },
      { file: 'apps/utility/no-file/app.yaml', message: 'apps/utility/no-file/app.yaml: does not exist' },
      {
        file: 'apps/utility/syntax/app.yaml',
        message: expect.stringMatching(/^apps\/utility\/syntax\/app\.yaml: YAML .* at line 2, column 1$/),
      },
    ]);
  });

  it('refuses manifest paths and symbolic links that lead outside the repository', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'tomo-outside-'));
    try {
      writeFileSync(join(outside, 'app.yaml'), sample('utility/heimdall'));
      write('apps/utility/heimdall/app.yaml', sample('utility/heimdall'));
      mkdirSync(join(dir, 'apps', 'utility', 'linked'), { recursive: true });
      symlinkSync(join(outside, 'app.yaml'), join(dir, 'apps', 'utility', 'linked', 'app.yaml'));
      write(
        'manifest.json',
        JSON.stringify({
          apps: [
            { id: 'heimdall', path: 'apps/utility/heimdall' },
            { id: 'escape', path: '../../etc' },
            { id: 'absolute', path: '/etc/passwd' },
            { id: 'linked', path: 'apps/utility/linked/app.yaml' },
            { id: 'nothing' },
          ],
        }),
      );
      const result = await readMarketplaceRepo(dir);
      expect(result.apps.map(({ app }) => app.id)).toEqual(['heimdall']);
      expect(result.errors.map((error) => error.message)).toEqual([
        'manifest.json: /apps/1/path must be a relative path inside the repository',
        'manifest.json: /apps/2/path must be a relative path inside the repository',
        'manifest.json: /apps/4/path must be a relative path inside the repository',
        'apps/utility/linked/app.yaml: leads outside the repository',
      ]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('falls back to the folder walk when manifest.json is not valid JSON', async () => {
    write('manifest.json', '{ "apps": [ ');
    write('apps/utility/heimdall/app.yaml', sample('utility/heimdall'));
    const result = await readMarketplaceRepo(dir);
    expect(result.source).toBe('directory');
    expect(result.apps.map(({ app }) => app.id)).toEqual(['heimdall']);
    expect(result.errors).toEqual([
      { file: 'manifest.json', message: expect.stringMatching(/^manifest\.json: is not valid JSON .*; reading apps/) },
    ]);
  });

  it('does not read a manifest over MAX_MANIFEST_BYTES', async () => {
    write(
      'manifest.json',
      JSON.stringify({ apps: [{ path: 'apps/utility/heimdall', note: 'x'.repeat(MAX_MANIFEST_BYTES) }] }),
    );
    write('apps/utility/heimdall/app.yaml', sample('utility/heimdall'));
    const result = await readMarketplaceRepo(dir);
    expect(result.source).toBe('directory');
    expect(result.apps.map(({ app }) => app.id)).toEqual(['heimdall']);
    expect(result.errors).toEqual([
      { file: 'manifest.json', message: 'manifest.json: is larger than 512 KiB; reading apps/*/*/app.yaml instead' },
    ]);
  });

  it('stops looking at manifest entries past MAX_APPS_PER_REPO', async () => {
    // 20,000 entries in ~400 KB; each is looked at (and here refused) only up to the app limit.
    write('manifest.json', JSON.stringify({ apps: Array.from({ length: 20_000 }, (_, i) => ({ path: `../${i}` })) }));
    const result = await readMarketplaceRepo(dir);
    expect(result.apps).toEqual([]);
    expect(result.errors).toHaveLength(MAX_APPS_PER_REPO + 1);
    expect(result.errors.at(-1)?.message).toBe(
      `manifest.json: /apps/${MAX_APPS_PER_REPO}/path must be a relative path inside the repository`,
    );
  });
});

describe('the built-in catalog', () => {
  it('is schema-valid, lists every app folder in its manifest, and pins every image', async () => {
    const viaManifest = await readMarketplaceRepo(BUILT_IN_CATALOG_DIR);
    expect(viaManifest.errors).toEqual([]);
    expect(viaManifest.source).toBe('manifest');
    const ids = viaManifest.apps.map(({ app }) => app.id);
    expect(ids).toEqual(['uptime-kuma', 'heimdall', 'pihole', 'caddy', 'whoami', 'redis']);

    const walkDir = mkdtempSync(join(tmpdir(), 'tomo-catalog-'));
    try {
      cpSync(join(BUILT_IN_CATALOG_DIR, 'apps'), join(walkDir, 'apps'), { recursive: true });
      const viaWalk = await readMarketplaceRepo(walkDir);
      expect(viaWalk.apps.map(({ app }) => app.id).sort()).toEqual([...ids].sort());
    } finally {
      rmSync(walkDir, { recursive: true, force: true });
    }

    const manifest = JSON.parse(readFileSync(join(BUILT_IN_CATALOG_DIR, 'manifest.json'), 'utf8')) as {
      apps: { id: string; name: string; version: string; category: string; description: string }[];
    };
    for (const { app } of viaManifest.apps) {
      expect(app.image.tag).toMatch(/^v?\d+\.\d+/);
      expect(manifest.apps.find((entry) => entry.id === app.id)).toEqual(
        expect.objectContaining({
          name: app.name,
          version: app.version,
          category: app.category,
          description: app.description,
        }),
      );
    }
  });

  it('keeps its copies of the sample apps identical to the originals', () => {
    for (const path of ['monitoring/uptime-kuma', 'networking/pihole', 'utility/heimdall']) {
      expect(readFileSync(join(BUILT_IN_CATALOG_DIR, 'apps', path, 'app.yaml'), 'utf8')).toBe(
        readFileSync(join(SAMPLE_MARKETPLACE_DIR, 'apps', path, 'app.yaml'), 'utf8'),
      );
    }
  });
});

describe('the test apps', () => {
  it('hold a valid busybox httpd app on the host network', async () => {
    const result = await readMarketplaceRepo(TEST_APPS_DIR);
    expect(result.errors).toEqual([]);
    expect(result.apps.map(({ app }) => app)).toEqual([
      expect.objectContaining({
        id: 'busybox-httpd',
        image: { reference: 'tomo/busybox:v1', registry: null, repository: 'tomo/busybox', tag: 'v1' },
        command: ['httpd', '-f', '-v', '-p', '18080', '-h', '/etc'],
        network: { mode: 'host', networks: [] },
        healthcheck: {
          protocol: 'http',
          path: '/tomo-version',
          port: 18080,
          intervalSeconds: 5,
          timeoutSeconds: 2,
          retries: 3,
        },
      }),
    ]);
  });
});
