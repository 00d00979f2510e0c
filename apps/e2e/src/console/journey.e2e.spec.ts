import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { gql, gqlOk, readTestbed, signIn as signInApi, type TestbedState } from '@tomo/testing';
import { launchChromium } from '../support/chromium';
import {
  addE2eCatalog,
  button as buttonIn,
  ConsoleSession,
  heading as headingIn,
  signIn,
} from '../support/console-session';
import { createTestMarketplace, testbedDocker } from '../support/testbed-app';
import { freePort, startTomo, type TomoStack } from '../support/tomo-stack';

const ADMIN = { username: 'owner', password: 'correct horse battery staple' };
const VIEWER = { username: 'watcher', password: 'a viewer only looks around' };
/** Long enough for a connection test and a deployment with its health check on the testbed. */
const LONG = 60_000;

/** Buttons that change something; a VIEWER must see none of them. */
const MUTATING_BUTTONS = [
  'Add server',
  'Test connection',
  'Delete',
  'Accept new host key',
  'Deploy',
  'Start',
  'Stop',
  'Restart',
  'Update',
  'Uninstall',
  'Cancel',
  'Retry',
];

/**
 * The first journey of a homelab owner, driven only by labels, roles and button names: set up,
 * sign in, add the testbed's sshd, deploy the test app, watch its timeline live, manage it, remove it.
 */
describe('console journey', () => {
  let tomo: TomoStack;
  let session: ConsoleSession;
  let page: Page;
  let testbed: TestbedState;
  let marketplaceDir: string;
  let appPort: number;
  let deploymentUrl: string;
  let jobUrl: string;

  beforeAll(async () => {
    testbed = readTestbed();
    appPort = await freePort();
    marketplaceDir = mkdtempSync(join(tmpdir(), 'tomo-e2e-marketplace-'));
    createTestMarketplace(testbed, marketplaceDir, appPort);
    tomo = await startTomo({ worker: true });
    session = new ConsoleSession(await launchChromium(), tomo);
    ({ page } = await session.open(ADMIN.username));
  }, LONG);

  afterAll(async () => {
    await session?.browser.close();
    await tomo?.stop();
    if (marketplaceDir) rmSync(marketplaceDir, { recursive: true, force: true });
  });

  const heading = (name: string | RegExp) => headingIn(page, name);
  const button = (name: string, scope: Page | Locator = page) => buttonIn(scope, name);
  const jobStatus = () => page.getByTestId('job-status');

  /** A token of the admin for the set-up steps that are not part of the journey (catalog, users). */
  const adminToken = () => signInApi(tomo, ADMIN);

  it(
    'sets up the first admin, signs out, refuses a wrong password and returns to the page after signing in',
    async () => {
      await page.goto(`${tomo.baseUrl}/servers`);
      await heading('Welcome to Tomo').waitFor();
      await session.check(page, 'setup');
      await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
      await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await page.getByLabel('Repeat password').fill(ADMIN.password);
      await button('Create admin account').click();
      await heading('Dashboard').waitFor();
      await session.check(page, 'dashboard');

      await button('Sign out').click();
      await heading('Sign in to Tomo').waitFor();
      await signIn(page, { username: ADMIN.username, password: 'not the password at all' });
      await page.getByRole('alert').getByText('Wrong username or password').waitFor();
      await session.check(page, 'sign-in');

      // A deep link while signed out: sign in, and land where the link pointed.
      await page.goto(`${tomo.baseUrl}/servers`);
      await heading('Sign in to Tomo').waitFor();
      await signIn(page, ADMIN);
      await heading('Servers').waitFor();
      expect(new URL(page.url()).pathname).toBe('/servers');
    },
    LONG,
  );

  it(
    'adds the testbed server with key auth and shows it ONLINE',
    async () => {
      await page.getByText('No servers yet').waitFor();
      await session.check(page, 'servers-empty');
      await button('Add server').click();
      const dialog = page.getByRole('dialog', { name: 'Add server' });
      await dialog.getByLabel('Name', { exact: true }).fill('testbed');
      await dialog.getByLabel('Port', { exact: true }).fill(String(testbed.ssh.port));
      await dialog.getByLabel('Username', { exact: true }).fill(testbed.ssh.username);
      await dialog.getByRole('radio', { name: 'Private key' }).check();
      await dialog.getByRole('textbox', { name: 'Private key' }).fill(readFileSync(testbed.ssh.privateKeyPath, 'utf8'));
      // The API's BAD_USER_INPUT message shows under the field it names.
      await dialog.getByLabel('Host', { exact: true }).fill('not a host!');
      await button('Add server', dialog).click();
      await dialog
        .locator('mat-form-field', { hasText: 'Host' })
        .getByText(/host must be a host name or an IP address/)
        .waitFor();
      await dialog.getByLabel('Host', { exact: true }).fill(testbed.ssh.host);
      await session.check(page, 'add-server-dialog');
      await button('Add server', dialog).click();

      // The server page: the connection test's result arrives live.
      await heading(/testbed/).waitFor();
      await heading(/testbed/)
        .getByText('Online')
        .waitFor({ timeout: LONG });
      await page.getByText(testbed.ssh.hostKeyFingerprint).waitFor();
      await session.check(page, 'server');
      // Edit opens with the stored values (never the secrets).
      await button('Edit').click();
      const edit = page.getByRole('dialog', { name: 'Edit testbed' });
      expect(await edit.getByLabel('Host', { exact: true }).inputValue()).toBe(testbed.ssh.host);
      expect(await edit.getByRole('textbox', { name: 'Private key' }).inputValue()).toBe('');
      // Image pruning is opt-in: off until the user turns it on, and saved with the stored secrets kept.
      const prune = edit.getByRole('checkbox', { name: 'Remove dangling Docker images daily' });
      expect(await prune.isChecked()).toBe(false);
      await prune.check();
      await button('Save', edit).click();
      await edit.waitFor({ state: 'detached' });
      await button('Edit').click();
      expect(await edit.getByRole('checkbox', { name: 'Remove dangling Docker images daily' }).isChecked()).toBe(true);
      await page.keyboard.press('Escape');
      await edit.waitFor({ state: 'detached' });

      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Servers' }).click();
      await page
        .getByRole('row', { name: /testbed/ })
        .getByText('Online')
        .waitFor();
      await session.check(page, 'servers');
    },
    LONG,
  );

  it(
    'deploys the test app with a custom env value and follows its timeline live to Succeeded',
    async () => {
      // The catalog that holds the test app: an admin's set-up step, not part of the journey.
      await addE2eCatalog(tomo, await adminToken(), marketplaceDir);

      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Apps' }).click();
      await heading('Apps').waitFor();
      await page.getByLabel('Search apps').fill('busybox');
      // The sync runs as a job: the app appears once it has finished.
      const appLink = page.getByRole('link', { name: 'Busybox httpd' });
      for (let i = 0; i < 20 && !(await appLink.isVisible()); i++) {
        await page.reload();
        await page.waitForTimeout(500);
      }
      expect(new URL(page.url()).searchParams.get('search')).toBe('busybox');
      await session.check(page, 'apps');
      await appLink.click();
      await heading('Busybox httpd').waitFor();
      await session.check(page, 'app');

      await page.getByRole('link', { name: 'Deploy', exact: true }).click();
      await heading('Deploy Busybox httpd').waitFor();
      await page
        .getByRole('combobox', { name: 'Server' })
        .getByText(/testbed/)
        .waitFor();
      await page.getByLabel('GREETING').fill('hello from the e2e test');
      expect(await page.getByLabel(`Host port for ${appPort}/tcp`).inputValue()).toBe(String(appPort));
      await session.check(page, 'deploy-form');
      // A marker in the page's JS realm: it survives only if nothing reloads the page.
      await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
      await button('Deploy').click();

      await page.waitForURL(/\/jobs\/[\w-]+$/);
      jobUrl = page.url();
      await heading(/deployment\.install/).waitFor();
      await page.getByRole('list', { name: 'Steps' }).getByRole('listitem').first().waitFor();
      await jobStatus().getByText('Succeeded').waitFor({ timeout: LONG });
      expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
      const steps = page.getByRole('list', { name: 'Steps' }).getByRole('button');
      expect(await steps.count()).toBeGreaterThanOrEqual(4);
      expect(await page.title()).toBe('Succeeded · deployment.install · Tomo');
      // A step's log opens below it.
      await steps.first().click();
      await page.getByLabel('Search the log').waitFor();
      await session.check(page, 'job');

      // Reloading a finished job shows the same timeline.
      const stepNames = await steps.allTextContents();
      await page.reload();
      await jobStatus().getByText('Succeeded').waitFor();
      expect(await page.getByRole('list', { name: 'Steps' }).getByRole('button').allTextContents()).toEqual(stepNames);
    },
    2 * LONG,
  );

  it(
    'shows the deployment, its access URL, config and logs',
    async () => {
      await page.getByRole('link', { name: 'deployment', exact: true }).click();
      await heading(/busybox-httpd/)
        .getByText('Running')
        .waitFor();
      deploymentUrl = page.url();
      const access = page.getByRole('region', { name: 'Access' }).getByRole('link').first();
      const url = await access.getAttribute('href');
      expect(url).toContain(String(appPort));
      const answer = await fetch(`${url?.replace(/\/$/, '')}/tomo-version`);
      expect(answer.status).toBe(200);
      await page.getByText('hello from the e2e test').waitFor();

      await button('Show logs').click();
      await page.getByRole('log', { name: 'Container logs' }).waitFor({ timeout: LONG });
      await session.check(page, 'deployment');

      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Deployments' }).click();
      await page
        .getByRole('row', { name: /busybox-httpd/ })
        .getByText('Running')
        .waitFor();
      await session.check(page, 'deployments');
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Jobs' }).click();
      await page.getByRole('row', { name: /deployment\.install/ }).waitFor();
      await session.check(page, 'jobs');
    },
    LONG,
  );

  it(
    'shows a VIEWER the same pages without any button that changes something',
    async () => {
      const token = await adminToken();
      await gqlOk(
        tomo,
        'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
        { input: { ...VIEWER, role: 'VIEWER' } },
        token,
      );

      const { context: viewerContext, page: viewer } = await session.signedIn(VIEWER);
      try {
        const visits: [string, string | RegExp][] = [
          ['/servers', 'Servers'],
          ['/apps', 'Apps'],
          ['/apps/e2e%2Fbusybox-httpd', 'Busybox httpd'],
          ['/deployments', 'Deployments'],
          [new URL(deploymentUrl).pathname, /busybox-httpd/],
          [new URL(jobUrl).pathname, /deployment\.install/],
          ['/jobs', 'Jobs'],
        ];
        const server = await gql<{ servers: { id: string }[] }>(
          `${tomo.baseUrl}/graphql`,
          '{ servers { id } }',
          {},
          token,
        );
        visits.push([`/servers/${server.data?.servers[0]?.id}`, /testbed/]);
        for (const [path, title] of visits) {
          await viewer.goto(`${tomo.baseUrl}${path}`);
          await viewer.getByRole('heading', { level: 1, name: title }).waitFor();
          // Loaded: the page's data is there (its loading bar is gone), so its buttons would be too.
          await viewer.locator('mat-progress-bar').waitFor({ state: 'detached' });
          for (const name of MUTATING_BUTTONS) {
            const found =
              (await viewer.getByRole('button', { name, exact: true }).count()) +
              (await viewer.getByRole('link', { name, exact: true }).count());
            expect(`${path}: ${name} ×${found}`).toBe(`${path}: ${name} ×0`);
          }
        }
        // Their own session stays theirs: a VIEWER can sign out.
        await viewer.getByRole('button', { name: 'Sign out' }).click();
        await viewer.getByRole('heading', { level: 1, name: 'Sign in to Tomo' }).waitFor();
      } finally {
        await viewerContext.close();
      }
    },
    LONG,
  );

  it(
    'stops the app, then uninstalls it after confirming, and the container is gone from the engine',
    async () => {
      await page.goto(deploymentUrl);
      const deploymentId = new URL(deploymentUrl).pathname.split('/').pop() ?? '';
      await button('Stop').click();
      await page.waitForURL(/\/jobs\//);
      await jobStatus().getByText('Succeeded').waitFor({ timeout: LONG });
      await page.getByRole('link', { name: 'deployment', exact: true }).click();
      await heading(/busybox-httpd/)
        .getByText('Stopped')
        .waitFor();

      await button('Uninstall').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText(/is removed from testbed/).waitFor();
      await dialog.getByRole('checkbox', { name: /Also remove volumes/ }).check();
      await session.check(page, 'uninstall-dialog');
      await button('Uninstall', dialog).click();
      await page.waitForURL(/\/jobs\//);
      await jobStatus().getByText('Succeeded').waitFor({ timeout: LONG });

      const left = testbedDocker(
        testbed,
        'ps',
        '--all',
        '--quiet',
        '--filter',
        `label=tomo.deployment=${deploymentId}`,
      );
      expect(left.trim()).toBe('');
    },
    2 * LONG,
  );

  it(
    'does the whole journey with the keyboard alone',
    async () => {
      const { context: keyboardContext, page: kb } = await session.open('keyboard');
      try {
        /** Presses Tab until the element with this role and name has the focus. */
        async function tabTo(
          role: 'button' | 'link' | 'textbox' | 'searchbox' | 'checkbox',
          name: string | RegExp,
        ): Promise<void> {
          const target = kb.getByRole(role, { name, exact: typeof name === 'string' }).first();
          await target.waitFor();
          for (let presses = 0; presses < 80; presses++) {
            if (await target.evaluate((element) => element === document.activeElement)) return;
            await kb.keyboard.press('Tab');
          }
          throw new Error(`Tab never reached the ${role} "${String(name)}"`);
        }
        const kbHeading = (name: string | RegExp) => kb.getByRole('heading', { level: 1, name });

        await kb.goto(`${tomo.baseUrl}/apps`);
        await kbHeading('Sign in to Tomo').waitFor();
        await tabTo('textbox', 'Username');
        await kb.keyboard.type(ADMIN.username);
        await kb.keyboard.press('Tab');
        await kb.keyboard.type(ADMIN.password);
        await kb.keyboard.press('Enter');
        await kbHeading('Apps').waitFor();

        await tabTo('searchbox', 'Search apps');
        await kb.keyboard.type('busybox');
        await tabTo('link', 'Busybox httpd');
        await kb.keyboard.press('Enter');
        await kbHeading('Busybox httpd').waitFor();
        await tabTo('link', 'Deploy');
        await kb.keyboard.press('Enter');
        await kbHeading('Deploy Busybox httpd').waitFor();
        await kb
          .getByRole('combobox', { name: 'Server' })
          .getByText(/testbed/)
          .waitFor();
        await tabTo('button', 'Deploy');
        await kb.keyboard.press('Enter');
        await kb.getByTestId('job-status').getByText('Succeeded').waitFor({ timeout: LONG });

        await tabTo('link', 'deployment');
        await kb.keyboard.press('Enter');
        await kbHeading(/busybox-httpd/)
          .getByText('Running')
          .waitFor();
        await tabTo('button', 'Uninstall');
        await kb.keyboard.press('Enter');
        const dialog = kb.getByRole('dialog');
        await dialog.waitFor();
        await tabTo('checkbox', /Also remove volumes/);
        await kb.keyboard.press('Space');
        await tabTo('button', 'Uninstall');
        await kb.keyboard.press('Enter');
        await kb.waitForURL(/\/jobs\//);
        await kb.getByTestId('job-status').getByText('Succeeded').waitFor({ timeout: LONG });

        await tabTo('button', 'Sign out');
        await kb.keyboard.press('Enter');
        await kbHeading('Sign in to Tomo').waitFor();
      } finally {
        await keyboardContext.close();
      }
    },
    2 * LONG,
  );

  it('met every page with no serious or critical accessibility violation, no page error and no foreign request', () => {
    expect(session.a11y).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });
});
