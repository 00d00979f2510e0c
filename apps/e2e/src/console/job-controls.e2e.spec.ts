import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import { commitAll, gqlOk, readTestbed, setupAdmin, type TestbedState } from '@tomo/testing';
import { launchChromium } from '../support/chromium';
import {
  addE2eCatalog,
  addTestbedServer,
  button as buttonIn,
  ConsoleSession,
  heading as headingIn,
  signIn,
  until,
} from '../support/console-session';
import { createTestMarketplace, testbedDocker } from '../support/testbed-app';
import { freePort, startTomo, type TomoStack } from '../support/tomo-stack';

const ADMIN = { username: 'owner', password: 'correct horse battery staple' };
const OPERATOR = { username: 'runner', password: 'keeps the apps going all day' };
const VIEWER = { username: 'watcher', password: 'a viewer only looks around' };
/** Long enough for a connection test and a deployment with its health check on the testbed. */
const LONG = 60_000;
/** Low, so that the lock-out test needs few attempts. */
const LOGIN_MAX_FAILURES = 2;
/** A pinned key the testbed's sshd cannot present. */
const BOGUS_FINGERPRINT = 'SHA256:bogusBogusBogusBogusBogusBogusBogusBogusBog';

/**
 * The controls of the console that change a running system, driven by labels, roles and button
 * names on the built API + worker + testbed: Cancel and Retry on a job's timeline, a deployment's
 * Restart / Stop / Start / Update, accepting a changed host key, and the sign-in lock-out.
 */
describe('console job and deployment controls', () => {
  let tomo: TomoStack;
  let session: ConsoleSession;
  let page: Page;
  let testbed: TestbedState;
  let marketplaceDir: string;
  let appPort: number;
  let adminToken: string;
  let serverId: string;

  const api = <T>(query: string, variables: Record<string, unknown> = {}) =>
    gqlOk<T>(tomo, query, variables, adminToken);

  /**
   * The test app on a free port, and beside it `slow-httpd`: the same app starting its web server
   * 30 s late, so that its health check keeps the install job running long enough to cancel it.
   */
  async function writeMarketplace(): Promise<void> {
    appPort = await freePort();
    marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-e2e-marketplace-'));
    createTestMarketplace(testbed, marketplaceDir, appPort);
    const slowPort = await freePort();
    const yaml = readFileSync(join(marketplaceDir, 'apps/utility/busybox-httpd/app.yaml'), 'utf8')
      .replace(/^id: .*$/m, 'id: slow-httpd')
      .replace(/^name: .*$/m, 'name: Slow httpd')
      .replace(
        /^ {2}command: .*$/m,
        `  command: ${JSON.stringify(`sh -c 'sleep 30 && exec httpd -f -v -p ${slowPort} -h /etc'`)}`,
      )
      .replaceAll(String(appPort), String(slowPort));
    mkdirSync(join(marketplaceDir, 'apps/utility/slow-httpd'));
    writeFileSync(join(marketplaceDir, 'apps/utility/slow-httpd/app.yaml'), yaml);
    // The repository lists its apps in manifest.json: the catalog reads only those.
    const manifestFile = join(marketplaceDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { apps: Record<string, string>[] };
    manifest.apps.push({ ...manifest.apps[0], id: 'slow-httpd', name: 'Slow httpd', path: 'apps/utility/slow-httpd' });
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    commitAll(marketplaceDir, 'slow test app');
    // The Update step pulls nothing: the testbed's v2 image goes by the app's name on the engine.
    testbedDocker(testbed, 'pull', '--quiet', testbed.images.v2);
    testbedDocker(testbed, 'tag', testbed.images.v2, 'tomo/busybox:v2');
  }

  /** The admin, two more users, the testbed's server (ONLINE) and the catalog: set-up, not under test. */
  async function prepare(): Promise<void> {
    adminToken = await setupAdmin(tomo, ADMIN);
    for (const [user, role] of [
      [OPERATOR, 'OPERATOR'],
      [VIEWER, 'VIEWER'],
    ] as const) {
      await api('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', {
        input: { ...user, role },
      });
    }
    serverId = await addTestbedServer(tomo, adminToken, testbed, LONG);
    await addE2eCatalog(tomo, adminToken, marketplaceDir);
    await until('the synced catalog', LONG, async () => {
      const { apps } = await api<{ apps: { id: string }[] }>('{ apps(search: "httpd") { id } }');
      const ids = apps.map((app) => app.id);
      return ids.includes('e2e/busybox-httpd') && ids.includes('e2e/slow-httpd') ? true : undefined;
    });
  }

  beforeAll(async () => {
    testbed = readTestbed();
    await writeMarketplace();
    tomo = await startTomo({ worker: true, env: { LOGIN_MAX_FAILURES: String(LOGIN_MAX_FAILURES) } });
    await prepare();
    session = new ConsoleSession(await launchChromium(), tomo);
    ({ page } = await session.signedIn(ADMIN));
  }, 2 * LONG);

  afterAll(async () => {
    await session?.browser.close();
    await tomo?.stop();
    if (marketplaceDir) rmSync(marketplaceDir, { recursive: true, force: true });
  });

  const heading = (name: string | RegExp, scope: Page = page) => headingIn(scope, name);
  const button = (name: string, scope: Page | Locator = page) => buttonIn(scope, name);
  const jobStatus = () => page.getByTestId('job-status');

  /** Installs an app through the API and returns its job's id (how it was deployed is the journey's test). */
  async function install(appId: string): Promise<string> {
    const { installApp } = await api<{ installApp: { id: string } }>(
      'mutation($input: InstallAppInput!) { installApp(input: $input) { id } }',
      {
        input: { appId, serverId },
      },
    );
    return installApp.id;
  }

  /** Presses a deployment's button, lands on its job's timeline, sees it succeed, and goes back. */
  async function runFromDeployment(press: () => Promise<void>, kind: RegExp): Promise<void> {
    const deploymentUrl = page.url();
    await press();
    await page.waitForURL(/\/jobs\/[\w-]+$/);
    await heading(kind).waitFor();
    await jobStatus().getByText('Succeeded').waitFor({ timeout: LONG });
    await page.goto(deploymentUrl);
  }

  it(
    'cancels a running install from its timeline without a reload, then retries it as a new job',
    async () => {
      const jobId = await install('e2e/slow-httpd');
      await page.goto(`${tomo.baseUrl}/jobs/${jobId}`);
      await heading(/deployment\.install/).waitFor();
      // The health check waits for a web server that starts 30 s late: the job is surely running.
      await page
        .getByRole('list', { name: 'Steps' })
        .getByRole('button', { name: /health-check/ })
        .waitFor({ timeout: LONG });
      await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
      await button('Cancel').click();
      await jobStatus().getByText('Cancelled').waitFor({ timeout: LONG });
      expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
      expect(await button('Cancel').count()).toBe(0);
      await session.check(page, 'job-cancelled');

      await button('Retry').click();
      await page.waitForURL((url) => /\/jobs\/[\w-]+$/.test(url.pathname) && !url.pathname.endsWith(jobId));
      await heading(/deployment\.install/).waitFor();
      await page.getByRole('link', { name: 'an earlier job' }).waitFor();
      // The retry runs the slow install again: cancel it too, so nothing keeps running on the testbed.
      await page
        .getByRole('list', { name: 'Steps' })
        .getByRole('button', { name: /health-check/ })
        .waitFor({ timeout: LONG });
      await button('Cancel').click();
      await jobStatus().getByText('Cancelled').waitFor({ timeout: LONG });
    },
    3 * LONG,
  );

  it(
    'restarts, stops, starts and updates a deployment, each through its job timeline to Succeeded',
    async () => {
      const jobId = await install('e2e/busybox-httpd');
      await page.goto(`${tomo.baseUrl}/jobs/${jobId}`);
      await jobStatus().getByText('Succeeded').waitFor({ timeout: LONG });
      await page.getByRole('link', { name: 'deployment', exact: true }).click();
      await heading(/busybox-httpd/)
        .getByText('Running')
        .waitFor();

      await runFromDeployment(() => button('Restart').click(), /deployment\.restart/);
      await heading(/busybox-httpd/)
        .getByText('Running')
        .waitFor();
      await runFromDeployment(() => button('Stop').click(), /deployment\.stop/);
      await heading(/busybox-httpd/)
        .getByText('Stopped')
        .waitFor();
      await runFromDeployment(() => button('Start').click(), /deployment\.start/);
      await heading(/busybox-httpd/)
        .getByText('Running')
        .waitFor();
      await runFromDeployment(async () => {
        await page.getByLabel('Image tag').fill('v2');
        await button('Update').click();
      }, /deployment\.update/);
      await heading(/busybox-httpd/)
        .getByText('Running')
        .waitFor();
      // The container now runs the testbed's second image, which says so.
      const answer = await fetch(`http://${testbed.ssh.host}:${appPort}/tomo-version`);
      expect((await answer.text()).trim()).toBe('2');

      await button('Uninstall').click();
      await button('Uninstall', page.getByRole('dialog')).click();
      await page.waitForURL(/\/jobs\//);
      await jobStatus().getByText('Succeeded').waitFor({ timeout: LONG });
    },
    4 * LONG,
  );

  it(
    'shows a changed host key with both fingerprints, and only an ADMIN may accept it',
    async () => {
      // A pinned key the server cannot present, written straight into the stack's database.
      const db = new Database(join(tomo.dataDir, 'tomo.sqlite'));
      try {
        db.prepare('UPDATE server SET hostKeyFingerprint = ? WHERE id = ?').run(BOGUS_FINGERPRINT, serverId);
      } finally {
        db.close();
      }
      await page.goto(`${tomo.baseUrl}/servers/${serverId}`);
      await heading(/testbed/).waitFor();
      await button('Test connection').click();
      const banner = page.getByRole('alert').filter({ hasText: 'The server presented a different host key.' });
      await banner.waitFor({ timeout: LONG });
      await banner.getByText(`Pinned: ${BOGUS_FINGERPRINT}`).waitFor();
      await banner.getByText(`Offered: ${testbed.ssh.hostKeyFingerprint}`).waitFor();
      await session.check(page, 'server-host-key-mismatch');

      for (const user of [OPERATOR, VIEWER]) {
        const { context: other, page: otherPage } = await session.signedIn(user);
        try {
          await otherPage.goto(`${tomo.baseUrl}/servers/${serverId}`);
          await otherPage.getByText('The server presented a different host key.').waitFor();
          await otherPage.getByText('Ask an administrator to check and accept the new key.').waitFor();
          expect(`${user.username}: ${await button('Accept new host key', otherPage).count()}`).toBe(
            `${user.username}: 0`,
          );
        } finally {
          await other.close();
        }
      }

      await button('Accept new host key').click();
      await heading(/testbed/)
        .getByText('Online')
        .waitFor({ timeout: LONG });
      await page.getByText(testbed.ssh.hostKeyFingerprint).waitFor();
      expect(await banner.count()).toBe(0);
    },
    2 * LONG,
  );

  it(
    'locks signing in after LOGIN_MAX_FAILURES and says when to try again',
    async () => {
      const { context: lockout, page: signInPage } = await session.open('lock-out');
      try {
        await signInPage.goto(`${tomo.baseUrl}/sign-in`);
        const alert = signInPage.getByRole('alert');
        const password = signInPage.getByLabel('Password', { exact: true });
        for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
          await signIn(signInPage, { username: OPERATOR.username, password: `wrong password number ${i}` });
          // The page empties the password field once the API has answered: the alert is this attempt's.
          await until('the answer to a sign-in', LONG, async () =>
            (await password.inputValue()) === '' ? true : undefined,
          );
          await alert.getByText('Wrong username or password').waitFor();
        }
        // Locked: even the right password is refused, and the page says for how long (LOGIN_LOCKOUT 15m).
        await signIn(signInPage, OPERATOR);
        await alert.getByText('Too many attempts — try again in 15 minutes.').waitFor();
        expect(new URL(signInPage.url()).pathname).toBe('/sign-in');
        await session.check(signInPage, 'sign-in-locked');
      } finally {
        await lockout.close();
      }
    },
    LONG,
  );

  it('loaded nothing from another origin, threw no page error and has no serious a11y violation', () => {
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(session.a11y).toEqual([]);
  });
});
