import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { MarketplaceWorkflowsModule } from '@tomo/marketplace';
import { RedisModule } from '@tomo/redis';
import { JobKind } from '@tomo/shared';
import {
  commitAll,
  createGitRepo,
  gql,
  setupAdmin,
  startTestApi,
  type TestApi,
  TEST_REDIS_URL,
  waitFor,
} from '@tomo/testing';
import { WorkflowWorkerModule } from '@tomo/workflows';
import { AppModule } from '../app.module';

const TEST_APPS_DIR = resolve(__dirname, '../../../../../libs/marketplace/test-apps');
const APP_YAML = 'apps/utility/busybox-httpd/app.yaml';

/** A worker in this process with APP_ICON_FETCH on, as the Docker image runs it. */
@Module({})
class IconFetchingWorkerModule {
  static forRoot(api: TestApi): DynamicModule {
    const config = loadWorkerConfig(
      {
        DATA_DIR: api.config.dataDir,
        REDIS_URL: TEST_REDIS_URL,
        TOMO_REDIS_PREFIX: api.config.redisPrefix,
        LOG_LEVEL: 'silent',
        APP_ICON_FETCH: 'true',
      },
      false,
    );
    return {
      module: IconFetchingWorkerModule,
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

/**
 * The `marketplace.sync` job downloads the icons its apps name. Catalog icons must be https://
 * URLs; this one is a loopback HTTPS server with a self-signed certificate, which the download
 * refuses: the sync still succeeds, its log says why the icon is missing, and the API serves the
 * placeholder. (Successful downloads and the other refusals: libs/marketplace app-icons spec.)
 */
describe('icons during a marketplace sync job', () => {
  let root: string;
  let api: TestApi;
  let worker: INestApplicationContext;
  let https: Server;
  let iconUrl: string;
  let handshakes = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tomo-icon-sync-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(root, 'key.pem'),
        '-out',
        join(root, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    https = createServer(
      { key: readFileSync(join(root, 'key.pem')), cert: readFileSync(join(root, 'cert.pem')) },
      (_req, res) =>
        res.writeHead(200, { 'content-type': 'image/png' }).end('never sent: the client refuses the certificate'),
    );
    https.on('tlsClientError', () => handshakes++);
    await new Promise<void>((done) => https.listen(0, '127.0.0.1', done));
    iconUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}/busybox.png`;

    const origin = join(root, 'local');
    createGitRepo(TEST_APPS_DIR, origin);
    const yaml = readFileSync(join(origin, APP_YAML), 'utf8').replace(/^icon: .*$/m, `icon: ${iconUrl}`);
    writeFileSync(join(origin, APP_YAML), yaml);
    commitAll(origin, 'icon on a loopback server');

    api = await startTestApi(AppModule.forRoot);
    worker = await NestFactory.createApplicationContext(IconFetchingWorkerModule.forRoot(api), { logger: ['error'] });
    await worker.init();
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await new Promise((done) => https?.close(done));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('tries the icon, logs why it is missing, succeeds, and the API serves the placeholder', async () => {
    const admin = await setupAdmin(api, { username: 'admin', password: 'correct horse battery staple' });
    const added = await gql<{ addMarketplaceRepo: { id: string } }>(
      api.graphqlUrl,
      'mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { id } }',
      { input: { name: 'local', url: join(root, 'local') } },
      admin,
    );
    const started = await gql<{ syncMarketplaceRepo: { id: string } }>(
      api.graphqlUrl,
      'mutation($id: ID!) { syncMarketplaceRepo(id: $id) { id } }',
      { id: added.data?.addMarketplaceRepo.id },
      admin,
    );
    type JobView = { status: string; events: { message: string }[] };
    const job = await waitFor(
      async () => {
        const polled = await gql<{ job: JobView }>(
          api.graphqlUrl,
          'query($id: ID!) { job(id: $id) { status events { message } } }',
          { id: started.data?.syncMarketplaceRepo.id },
          admin,
        );
        const view = polled.data?.job;
        return view && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(view.status) && view;
      },
      'the sync job to finish',
      60_000,
      100,
    );

    expect(job.status).toBe('SUCCEEDED');
    expect(handshakes).toBeGreaterThan(0);
    const messages = job.events.map((event) => event.message);
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^Icon of local/busybox-httpd \\(${iconUrl.replace(/[.]/g, '\\.')}\\) not stored: could not download it: .*certificate`,
        ),
      ),
    );
    expect(messages).toContain('Icons: downloaded 0, unchanged 0, without an icon 1');

    const icon = await fetch(`${api.url}/icons/local/busybox-httpd`);
    expect(icon.headers.get('x-tomo-icon')).toBe('placeholder');
  });
});
