import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createGitRepo, createUser, gql, setupAdmin } from '@tomo/testing';
import { launchChromium } from '../support/chromium';
import { ConsoleSession, jobOutcome } from '../support/console-session';
import { startTomo, type TomoStack } from '../support/tomo-stack';
import { WORKSPACE_ROOT } from '../support/workspace';

const ADMIN = { username: 'owner', password: 'correct horse battery staple' };
const VIEWER = { username: 'watcher', password: 'a viewer only looks around' };
const LONG = 90_000;
/** The sample marketplace repository beside the checkout (`../shared/marketplace`). */
const SAMPLE_MARKETPLACE = resolve(WORKSPACE_ROOT, '..', 'shared', 'marketplace');

/**
 * The console pages added after part 2 (system settings, marketplace repositories, notifications
 * and their channels), visited as an ADMIN and as a VIEWER against the built API + worker.
 */
describe('console: settings, marketplace repositories, notifications', () => {
  let tomo: TomoStack;
  let session: ConsoleSession;
  let adminToken: string;
  let gitDir: string;
  let origin: string;

  const api = <T>(query: string, variables?: Record<string, unknown>) =>
    gql<T>(`${tomo.baseUrl}/graphql`, query, variables, adminToken);

  beforeAll(async () => {
    expect(existsSync(SAMPLE_MARKETPLACE)).toBe(true);
    gitDir = mkdtempSync(join(tmpdir(), 'tomo-e2e-git-'));
    origin = join(gitDir, 'community');
    createGitRepo(SAMPLE_MARKETPLACE, origin);
    tomo = await startTomo({ worker: true });
    session = new ConsoleSession(await launchChromium(), tomo);
    adminToken = await setupAdmin(tomo, ADMIN);
    await createUser(tomo, adminToken, { ...VIEWER, role: 'VIEWER' });
  }, LONG);

  afterAll(async () => {
    await session?.browser.close();
    await tomo?.stop();
    if (gitDir) rmSync(gitDir, { recursive: true, force: true });
  });

  it(
    'changes a schedule interval from the system settings form, and shows the API message at a wrong field',
    async () => {
      const { context, page } = await session.signedIn(ADMIN);
      await session.visit(page, '/settings', 'Settings');
      await page.getByRole('link', { name: 'System settings' }).click();
      await page.getByRole('heading', { level: 1, name: 'System settings' }).waitFor();
      await page.getByLabel('Keep finished jobs').waitFor();
      await session.checkEverywhere(page, 'admin-system-settings');

      // A refused value: the API's message shows under that field and nothing is stored.
      const before = await api<{ settings: { jobRetentionDays: number } }>('{ settings { jobRetentionDays } }');
      await page.getByLabel('Keep finished jobs').fill('0');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page
        .locator('mat-error')
        .filter({ hasText: /between 1 and 3650 days/ })
        .waitFor();
      const unchanged = await api<{ settings: { jobRetentionDays: number } }>('{ settings { jobRetentionDays } }');
      expect(unchanged.data?.settings.jobRetentionDays).toBe(before.data?.settings.jobRetentionDays);

      await page.getByLabel('Keep finished jobs').fill('30');
      await page.getByLabel('prune-jobs', { exact: true }).fill('7200');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved').waitFor();
      const schedules = await api<{
        schedules: { name: string; everySeconds: number }[];
      }>('{ schedules { name everySeconds } }');
      expect(schedules.data?.schedules.find((s) => s.name === 'prune-jobs')?.everySeconds).toBe(7200);
      await context.close();
    },
    LONG,
  );

  it(
    'adds a repository from a local git repository, syncs it through its job and shows the result',
    async () => {
      const { context, page } = await session.signedIn(ADMIN);
      await session.visit(page, '/settings/marketplace', 'Marketplace repositories');
      await page.getByLabel('Name', { exact: true }).fill('community');
      await page.getByLabel('Git URL').fill(origin);
      await page.getByRole('button', { name: 'Add repository' }).click();
      await page.getByRole('heading', { level: 2, name: 'community' }).waitFor();
      await page.getByRole('button', { name: 'Sync community' }).click();
      await page.waitForURL(/\/jobs\/[\w-]+$/);
      const jobId = new URL(page.url()).pathname.split('/').pop() ?? '';
      await page.getByRole('heading', { level: 1, name: /marketplace\.sync/ }).waitFor();
      expect(await jobOutcome(tomo, adminToken, jobId, LONG)).toBe('SUCCEEDED');

      await session.visit(page, '/settings/marketplace', 'Marketplace repositories');
      const repo = page.getByRole('listitem').filter({
        has: page.getByRole('heading', { level: 2, name: 'community' }),
      });
      await repo.getByText(/^\s*[1-9]\d* apps/).waitFor();
      const repos = await api<{
        marketplaceRepos: {
          name: string;
          lastSyncStatus: string;
          appCount: number;
        }[];
      }>('{ marketplaceRepos { name lastSyncStatus appCount } }');
      const synced = repos.data?.marketplaceRepos.find((r) => r.name === 'community');
      expect(synced?.lastSyncStatus).toMatch(/^(SUCCEEDED|PARTIAL)$/);
      expect(synced?.appCount).toBeGreaterThan(0);
      await session.checkEverywhere(page, 'admin-marketplace-repos');

      // Disable, then remove through the confirmation dialog.
      await repo.getByRole('switch', { name: /Enabled/ }).click();
      await page.getByText('Disabled community').waitFor();
      await repo.getByRole('button', { name: 'Remove community' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove repository' }).click();
      await page.getByRole('heading', { level: 2, name: 'community' }).waitFor({ state: 'detached' });
      await context.close();
    },
    LONG * 2,
  );

  it(
    'lists a failed job as a notification live, counts it in the toolbar and marks it read; adds a webhook channel',
    async () => {
      const { context, page } = await session.signedIn(ADMIN);
      await session.visit(page, '/notifications', 'Notifications');
      // A sync of a branch the repository does not have fails: JOB_FAILED reaches the open page.
      const added = await api<{ addMarketplaceRepo: { id: string } }>(
        'mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { id } }',
        {
          input: { name: 'broken', url: origin, branch: 'no-such-branch' },
        },
      );
      expect(added.errors).toBeUndefined();
      const sync = await api<{ syncMarketplaceRepo: { id: string } }>(
        'mutation($id: ID!) { syncMarketplaceRepo(id: $id) { id } }',
        {
          id: added.data?.addMarketplaceRepo.id,
        },
      );
      expect(await jobOutcome(tomo, adminToken, sync.data?.syncMarketplaceRepo.id ?? '', LONG)).toBe('FAILED');
      await page
        .getByRole('listitem')
        .filter({ hasText: 'Job failed' })
        .first()
        .waitFor({ timeout: LONG / 2 });
      await page.getByTestId('unread-count').waitFor();
      expect(await page.getByRole('link', { name: /^Notifications, \d+\+? unread$/ }).count()).toBe(1);

      // The admin's channels: a webhook's signing secret is shown once, with its copy button.
      await page.getByLabel('Name', { exact: true }).fill('ops hook');
      await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/hook');
      await page.getByRole('button', { name: 'Add channel' }).click();
      await page.getByTestId('webhook-secret').waitFor();
      await page.getByRole('button', { name: 'Copy signing secret' }).waitFor();
      await session.checkEverywhere(page, 'admin-notifications');

      await page.getByRole('button', { name: 'Mark all shown as read' }).click();
      await page.getByTestId('unread-count').waitFor({ state: 'detached' });
      const unread = await api<{ notifications: { edges: unknown[] } }>(
        '{ notifications(unreadOnly: true) { edges { cursor } } }',
      );
      expect(unread.data?.notifications.edges).toEqual([]);

      await page.getByRole('button', { name: 'Remove ops hook' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove channel' }).click();
      await page.getByText('Removed ops hook').waitFor();
      await context.close();
    },
    LONG * 2,
  );

  it(
    'shows a VIEWER the repositories and notifications without buttons that change them, and no system settings',
    async () => {
      const { context, page } = await session.signedIn(VIEWER);
      await session.visit(page, '/settings/marketplace', 'Marketplace repositories');
      await page.getByRole('heading', { level: 2, name: 'broken' }).waitFor();
      for (const name of [/^Add repository/, /^Sync /, /^Remove /])
        expect(await page.getByRole('button', { name }).count()).toBe(0);
      expect(await page.getByRole('switch').count()).toBe(0);
      await session.checkEverywhere(page, 'viewer-marketplace-repos');

      await session.visit(page, '/notifications', 'Notifications');
      expect(await page.getByRole('heading', { level: 2, name: 'Channels' }).count()).toBe(0);
      await session.checkEverywhere(page, 'viewer-notifications');

      await session.visit(page, '/settings', 'Settings');
      expect(await page.getByRole('link', { name: 'System settings' }).count()).toBe(0);
      await page.getByRole('link', { name: 'Marketplace repositories' }).waitFor();
      await context.close();
    },
    LONG * 2,
  );

  it('had no page errors, no serious accessibility violations and no request elsewhere', () => {
    expect(session.pageErrors).toEqual([]);
    expect(session.a11y).toEqual([]);
    expect(session.foreign).toEqual([]);
  });
});
