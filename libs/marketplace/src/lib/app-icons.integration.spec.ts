import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { loadWorkerConfig, TomoConfigModule } from '@tomo/config';
import { dataSourceOptions } from '@tomo/database';
import { APP_ICON_MAX_BYTES, AppIconRefused, AppIconStore, downloadAppIcon } from './app-icons';
import { MarketplaceAppEntity } from './entities';
import { MarketplaceModule } from './marketplace.module';
import { MarketplaceService } from './marketplace.service';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A loopback HTTP server (tests never reach other hosts) with one route per case; counts requests per path. */
function iconServer() {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    switch (path) {
      case '/icon.png':
      case '/other.png':
        res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
        return;
      case '/moved.png':
        res.writeHead(302, { location: '/icon.png' }).end();
        return;
      case '/page.png':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<script>alert(1)</script>');
        return;
      case '/huge.png':
        // Chunked, no Content-Length: the size is counted as it arrives.
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(Buffer.alloc(APP_ICON_MAX_BYTES));
        res.end(Buffer.alloc(1));
        return;
      default:
        res.writeHead(404, { 'content-type': 'image/png' }).end();
    }
  });
  return {
    hits,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

const refusal = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppIconRefused) return error.message;
    throw error;
  }
  throw new Error('expected the icon to be refused');
};

describe('app icons (loopback HTTP server, SQLite)', () => {
  const icons = iconServer();
  let base: string;

  beforeAll(async () => {
    base = await icons.start();
  });
  afterAll(() => icons.stop());

  describe('downloadAppIcon', () => {
    it('downloads an image, following a redirect', async () => {
      expect(await downloadAppIcon(`${base}/icon.png`)).toEqual({ contentType: 'image/png', data: PNG });
      expect(await downloadAppIcon(`${base}/moved.png`)).toEqual({ contentType: 'image/png', data: PNG });
    });

    it('refuses what is not an http(s) image of a sensible size', async () => {
      expect(await refusal(downloadAppIcon(`${base}/page.png`))).toBe(
        'content type "text/html" is not an image type Tomo serves',
      );
      expect(await refusal(downloadAppIcon(`${base}/huge.png`))).toBe('larger than 256 kB');
      expect(await refusal(downloadAppIcon(`${base}/gone.png`))).toBe('the server answered 404');
      expect(await refusal(downloadAppIcon('file:///etc/passwd'))).toBe('only http(s) URLs are downloaded, not file:');
      expect(await refusal(downloadAppIcon('ftp://127.0.0.1/icon.png'))).toBe(
        'only http(s) URLs are downloaded, not ftp:',
      );
      expect(await refusal(downloadAppIcon('not a url'))).toBe('"not a url" is not a URL');
      const nobody = iconServer();
      const closed = await nobody.start();
      await nobody.stop();
      expect(await refusal(downloadAppIcon(`${closed}/icon.png`))).toMatch(
        /^could not download it: connect ECONNREFUSED/,
      );
    });
  });

  describe('AppIconStore.refresh', () => {
    let root: string;
    let moduleRef: TestingModule;
    let store: AppIconStore;
    let apps: Repository<MarketplaceAppEntity>;

    /** Points a built-in app's definition at another icon URL, as a new version of the catalog would. */
    const setIconUrl = async (id: string, iconUrl: string) => {
      const row = await apps.findOneByOrFail({ id });
      await apps.update({ id }, { definition: { ...row.definition, iconUrl } });
    };

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'tomo-icons-'));
      const config = loadWorkerConfig({ DATA_DIR: root, LOG_LEVEL: 'silent' }, false);
      moduleRef = await Test.createTestingModule({
        imports: [
          TomoConfigModule.forRoot(config),
          TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), autoLoadEntities: true }),
          MarketplaceModule,
        ],
      }).compile();
      await moduleRef.get(DataSource).runMigrations({ transaction: 'each' });
      await moduleRef.get(MarketplaceService).loadBuiltInCatalog();
      store = moduleRef.get(AppIconStore);
      apps = moduleRef.get(getRepositoryToken(MarketplaceAppEntity));
      // Every built-in app's icon on the loopback server; two of them unusable.
      for (const app of await apps.find()) await setIconUrl(app.id, `${base}/icon.png`);
      await setIconUrl('builtin/caddy', `${base}/page.png`);
      await setIconUrl('builtin/redis', `${base}/huge.png`);
    });
    afterAll(async () => {
      await moduleRef?.close();
      rmSync(root, { recursive: true, force: true });
    });

    it('stores the icons it can get, logs the others, and downloads again only when the URL changes', async () => {
      const lines: string[] = [];
      const first = await store.refresh('builtin', { log: (line) => lines.push(line) });
      expect(first.downloaded.sort()).toEqual([
        'builtin/heimdall',
        'builtin/pihole',
        'builtin/uptime-kuma',
        'builtin/whoami',
      ]);
      expect(first.failed).toEqual([
        { appId: 'builtin/caddy', reason: 'content type "text/html" is not an image type Tomo serves' },
        { appId: 'builtin/redis', reason: 'larger than 256 kB' },
      ]);
      expect(lines).toContain(
        `Icon of builtin/caddy (${base}/page.png) not stored: content type "text/html" is not an image type Tomo serves; the console shows a placeholder`,
      );
      expect(lines.at(-1)).toBe('Icons: downloaded 4, unchanged 0, without an icon 2');
      expect(await store.get('builtin/whoami')).toEqual({ contentType: 'image/png', data: PNG });
      expect(await store.get('builtin/caddy')).toBeNull();

      const requests = icons.hits.get('/icon.png');
      const second = await store.refresh('builtin');
      expect(second).toMatchObject({ downloaded: [], unchanged: 4 });
      expect(icons.hits.get('/icon.png')).toBe(requests);

      await setIconUrl('builtin/whoami', `${base}/other.png`);
      await setIconUrl('builtin/pihole', `${base}/gone.png`);
      const third = await store.refresh('builtin');
      expect(third.downloaded).toEqual(['builtin/whoami']);
      expect(third.failed.map((failure) => failure.appId)).toEqual([
        'builtin/caddy',
        'builtin/pihole',
        'builtin/redis',
      ]);
      // The old picture is not kept under a URL that no longer names it.
      expect(await store.get('builtin/pihole')).toBeNull();
      expect(await store.get('builtin/whoami')).toEqual({ contentType: 'image/png', data: PNG });
    });
  });
});
