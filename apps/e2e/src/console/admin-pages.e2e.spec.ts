import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { createUser, gql, readTestbed, setupAdmin, type TestbedState } from '@tomo/testing';
import { launchChromium } from '../support/chromium';
import { SCREENSHOTS_DIR, seriousA11yViolations } from '../support/console-checks';
import { addTestbedServer, ConsoleSession, jobOutcome } from '../support/console-session';
import { startTomo, type TomoStack } from '../support/tomo-stack';

const ADMIN = { username: 'owner', password: 'correct horse battery staple' };
const VIEWER = { username: 'watcher', password: 'a viewer only looks around' };
/** Long enough for a connection test and a metrics collection on the testbed. */
const LONG = 90_000;

/** The pages of console part 2 every role sees, by path, with their main heading. */
const PAGES = [
  { name: 'dashboard', path: '/', heading: 'Dashboard' },
  { name: 'jobs', path: '/jobs', heading: 'Jobs' },
  { name: 'settings', path: '/settings', heading: 'Settings' },
  { name: 'api-tokens', path: '/settings/api-tokens', heading: 'API tokens' },
  { name: 'sessions', path: '/settings/sessions', heading: 'Sessions' },
  { name: 'schedules', path: '/settings/schedules', heading: 'Schedules' },
] as const;
/** The pages only an ADMIN sees. */
const ADMIN_PAGES = [
  { name: 'users', path: '/settings/users', heading: 'Users' },
  { name: 'audit-log', path: '/settings/audit-log', heading: 'Audit log' },
] as const;

/** Buttons on these pages that change servers, jobs or the system: a VIEWER must see none. */
const MUTATING_BUTTONS = ['Cancel', 'Retry', 'Run now', 'Pause', 'Resume'];

/**
 * Console part 2 (dashboard with charts, jobs list, settings: API tokens, sessions, schedules),
 * visited as an ADMIN and as a VIEWER against the built API + worker and the testbed's sshd.
 */
describe('console admin pages', () => {
  let tomo: TomoStack;
  let session: ConsoleSession;
  let testbed: TestbedState;
  let adminToken: string;
  let serverId: string;

  const api = <T>(query: string, variables?: Record<string, unknown>, token = adminToken) =>
    gql<T>(`${tomo.baseUrl}/graphql`, query, variables, token);

  beforeAll(async () => {
    testbed = readTestbed();
    tomo = await startTomo({ worker: true });
    session = new ConsoleSession(await launchChromium(), tomo);

    // Set-up through the API (the part-1 journey covers these screens): the admin, the testbed
    // server, one real metrics collection, and a VIEWER.
    adminToken = await setupAdmin(tomo, ADMIN);
    serverId = await addTestbedServer(tomo, adminToken, testbed, LONG);
    const run = await api<{ runSchedule: { id: string } }>(
      'mutation { runSchedule(name: "collect-server-metrics") { id } }',
    );
    expect(run.errors).toBeUndefined();
    expect(await jobOutcome(tomo, adminToken, run.data?.runSchedule.id ?? '', LONG)).toBe('SUCCEEDED');
    await createUser(tomo, adminToken, { ...VIEWER, role: 'VIEWER' });
  }, LONG);

  afterAll(async () => {
    await session?.browser.close();
    await tomo?.stop();
  });

  it(
    'shows an ADMIN every page, with charts of a real metrics collection',
    async () => {
      const { context, page } = await session.signedIn(ADMIN);
      for (const { name, path, heading } of [...PAGES, ...ADMIN_PAGES]) {
        await session.visit(page, path, heading);
        if (name === 'dashboard') {
          // The chart of the testbed server: uPlot drew the points of the collection above.
          const chart = page.getByRole('img', { name: /^Use over the last 1 h, [1-9]\d* samples\. Newest: CPU \d/ });
          await chart.waitFor();
          expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
          await page.getByRole('heading', { level: 2, name: 'testbed' }).waitFor();
        }
        await session.checkEverywhere(page, `admin-${name}`);
      }

      // The server page includes the chart with its ranges.
      await session.visit(page, `/servers/${serverId}`, /^testbed/);
      await page.getByRole('radio', { name: '24 h' }).click();
      await page.getByRole('img', { name: /^Use over the last 24 h, [1-9]\d* samples/ }).waitFor();
      await session.checkEverywhere(page, 'admin-server-metrics');
      await context.close();
    },
    LONG * 2,
  );

  it(
    'filters jobs through the URL and runs a schedule now, which opens its timeline',
    async () => {
      const { context, page } = await session.signedIn(ADMIN);
      await session.visit(page, '/jobs', 'Jobs');
      await page.getByRole('combobox', { name: 'Kind' }).click();
      await page.getByRole('option', { name: 'server.test-connection' }).click();
      await page.waitForURL(/kind=server\.test-connection/);
      const rows = page.getByRole('row').filter({ has: page.getByRole('link', { name: /^maintenance\.|^server\./ }) });
      await rows.first().waitFor();
      expect(await rows.allTextContents()).toEqual([expect.stringContaining('server.test-connection')]);
      // A reload keeps the filter: it lives in the URL.
      await page.reload();
      await page.getByRole('link', { name: 'server.test-connection' }).waitFor();
      expect(await page.getByRole('link', { name: 'maintenance.collect-server-metrics' }).count()).toBe(0);

      await session.visit(page, '/settings/schedules', 'Schedules');
      await page.getByRole('button', { name: 'Run now: collect-server-metrics' }).click();
      await page.waitForURL(/\/jobs\/[\w-]+$/);
      const runUrl = new URL(page.url()).pathname;
      await page.getByRole('heading', { level: 1, name: /maintenance\.collect-server-metrics/ }).waitFor();
      // The unfiltered list has this run, linking to its timeline.
      await session.visit(page, '/jobs', 'Jobs');
      await page.locator(`a[href="${runUrl}"]`).getByText('maintenance.collect-server-metrics').waitFor();
      await context.close();
    },
    LONG,
  );

  it(
    'creates an API token shown once that works against /graphql, then revokes it',
    async () => {
      const { context, page } = await session.signedIn(ADMIN);
      await session.visit(page, '/settings/api-tokens', 'API tokens');
      await page.getByLabel('Name', { exact: true }).fill('backup script');
      await page.getByRole('combobox', { name: 'Role' }).click();
      await page.getByRole('option', { name: 'OPERATOR' }).click();
      await page.getByLabel('Expires after (days)').fill('30');
      await page.getByRole('button', { name: 'Create token', exact: true }).click();
      const secret = page.getByTestId('new-token');
      await secret.waitFor();
      const token = (await secret.textContent())?.trim() ?? '';
      await page.getByRole('button', { name: 'Copy token' }).waitFor();
      await page
        .getByRole('row', { name: /backup script/ })
        .getByText('OPERATOR')
        .waitFor();
      mkdirSync(SCREENSHOTS_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS_DIR, 'admin-api-token-created.png'), fullPage: true });

      const me = await api<{ me: { username: string; role: string } }>('{ me { username role } }', undefined, token);
      expect(me.errors).toBeUndefined();
      expect(me.data?.me.username).toBe(ADMIN.username);

      await page.getByRole('button', { name: 'Revoke backup script' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await page.screenshot({ path: join(SCREENSHOTS_DIR, 'admin-api-token-revoked.png'), fullPage: true });
      await page
        .getByRole('row', { name: /backup script/ })
        .getByRole('cell', { name: /^Revoked/ })
        .waitFor();
      const refused = await api<{ me: { username: string } }>('{ me { username } }', undefined, token);
      expect(refused.data?.me).toBeUndefined();
      expect(refused.errors?.length).toBeGreaterThan(0);
      // Shown once: a reload of the page has the token in its list only, never its secret.
      await page.reload();
      await page.getByRole('row', { name: /backup script/ }).waitFor();
      expect(await page.getByText(token).count()).toBe(0);
      await context.close();
    },
    LONG,
  );

  it(
    'lets an ADMIN add a user, change its role and disable it, and records it in the audit log',
    async () => {
      const { context, page } = await session.signedIn(ADMIN);
      await session.visit(page, '/settings/users', 'Users');
      await page.getByLabel('Username', { exact: true }).fill('helper');
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Create user', exact: true }).click();
      // The API's password policy refuses it: the message shows at the field, nothing is created.
      await page
        .locator('mat-error')
        .filter({ hasText: /^password/ })
        .waitFor();
      expect(await page.getByRole('row', { name: /helper/ }).count()).toBe(0);
      await page.getByLabel('Password', { exact: true }).fill('a long enough password for the new user');
      await page.getByRole('button', { name: 'Create user', exact: true }).click();
      await page.getByRole('row', { name: /helper/ }).waitFor();

      await page.getByRole('combobox', { name: 'Role of helper' }).click();
      await page.getByRole('option', { name: 'OPERATOR' }).click();
      await page.getByText('Updated helper').waitFor();
      await page.getByRole('button', { name: 'Disable helper' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Disable user' }).click();
      await page.getByRole('button', { name: 'Enable helper' }).waitFor();
      const users = await api<{ users: { username: string; role: string; disabled: boolean }[] }>(
        '{ users { username role disabled } }',
      );
      expect(users.data?.users.find((u) => u.username === 'helper')).toEqual({
        username: 'helper',
        role: 'OPERATOR',
        disabled: true,
      });

      await session.visit(page, '/settings/audit-log', 'Audit log');
      await page.getByRole('cell', { name: 'updateUser' }).first().waitFor();
      await page.getByRole('cell', { name: 'createUser' }).first().waitFor();
      await context.close();
    },
    LONG,
  );

  it(
    "lets an ADMIN reset another user's password, who signs in with it, and filter the audit log by action",
    async () => {
      const newPassword = 'chosen by the owner on a quiet afternoon';
      const { context, page } = await session.signedIn(ADMIN);
      await session.visit(page, '/settings/users', 'Users');
      await page.getByRole('button', { name: `Reset password of ${VIEWER.username}` }).click();
      const dialog = page.getByRole('dialog');
      // The API's password policy refuses a short one: said under the field, the dialog stays.
      await dialog.getByLabel('New password').fill('short');
      await dialog.getByRole('button', { name: 'Reset password' }).click();
      await dialog
        .locator('mat-error')
        .filter({ hasText: /^password/ })
        .waitFor();
      await dialog.getByLabel('New password').fill(newPassword);
      await dialog.getByRole('button', { name: 'Reset password' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByText(`Password of ${VIEWER.username} reset`).waitFor();
      const signIn = (password: string) =>
        gql<{ login: { token: string } }>(
          `${tomo.baseUrl}/graphql`,
          'mutation($input: LoginInput!) { login(input: $input) { token } }',
          {
            input: { username: VIEWER.username, password },
          },
        );
      const withNew = await signIn(newPassword);
      expect(withNew.errors).toBeUndefined();
      expect(withNew.data?.login.token).toEqual(expect.any(String));
      expect((await signIn(VIEWER.password)).data?.login).toBeUndefined();
      // Back to the old password, for the tests below that sign the VIEWER in.
      const restored = await api(
        'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }',
        {
          id: (await api<{ users: { id: string; username: string }[] }>('{ users { id username } }')).data?.users.find(
            (u) => u.username === VIEWER.username,
          )?.id,
          input: { password: VIEWER.password },
        },
      );
      expect(restored.errors).toBeUndefined();

      // The audit log filtered by action (kept in the URL) shows that action only.
      await session.visit(page, '/settings/audit-log', 'Audit log');
      await page.getByLabel('Action', { exact: true }).fill('updateUser');
      await page.getByLabel('Action', { exact: true }).press('Enter');
      await page.waitForURL(/action=updateUser/);
      await page.locator('mat-progress-bar').first().waitFor({ state: 'detached' });
      await page.getByRole('cell', { name: 'updateUser' }).first().waitFor();
      const actions = await page.locator('td.mat-column-action').allTextContents();
      expect(actions.length).toBeGreaterThan(0);
      expect(new Set(actions.map((a) => a.trim()))).toEqual(new Set(['updateUser']));
      await page.reload();
      await page.getByRole('cell', { name: 'updateUser' }).first().waitFor();
      expect(await page.getByLabel('Action', { exact: true }).inputValue()).toBe('updateUser');
      expect(await page.getByRole('cell', { name: 'createUser' }).count()).toBe(0);
      await context.close();
    },
    LONG,
  );

  it(
    'shows a VIEWER the same pages without buttons that change servers, jobs or schedules',
    async () => {
      const { context, page } = await session.signedIn(VIEWER);
      for (const { name, path, heading } of PAGES) {
        await session.visit(page, path, heading);
        for (const button of MUTATING_BUTTONS) {
          expect({
            name,
            button,
            count: await page.getByRole('button', { name: new RegExp(`^${button}\\b`) }).count(),
          }).toEqual({
            name,
            button,
            count: 0,
          });
        }
        await session.checkEverywhere(page, `viewer-${name}`);
      }
      // The admin pages are not offered.
      await session.visit(page, '/settings', 'Settings');
      expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      // Their own sessions stay theirs: a VIEWER may end one.
      await session.visit(page, '/settings/sessions', 'Sessions');
      await page.getByRole('button', { name: 'Sign out of this browser' }).waitFor();
      await context.close();
    },
    LONG * 2,
  );

  it(
    "keeps a person's theme and time format in any browser they sign in to",
    async () => {
      const first = await session.signedIn(VIEWER);
      const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await first.page.emulateMedia({ colorScheme: 'light' });
      const light = await background(first.page);
      await session.visit(first.page, '/settings', 'Settings');
      const theme = (page: Page) => page.getByRole('radiogroup', { name: 'Theme' });
      const timeFormat = (page: Page) => page.getByRole('radiogroup', { name: 'Time format' });
      /** Picks an option and waits until the API has saved it (a page change would cancel the request). */
      const choose = (page: Page, group: Locator, option: string) =>
        Promise.all([
          page.waitForResponse(
            (r) => r.url().endsWith('/graphql') && !!r.request().postData()?.includes('UpdateMyPreferences'),
          ),
          group.getByRole('radio', { name: option }).click(),
        ]);
      await choose(first.page, theme(first.page), 'Dark');
      await first.page.getByRole('button', { name: 'Use light theme' }).waitFor();
      const dark = await background(first.page);
      expect(dark).not.toBe(light);
      await choose(first.page, timeFormat(first.page), '12-hour');
      // Absolute times (the tooltip of each relative one) follow the time format.
      await session.visit(first.page, '/settings/sessions', 'Sessions');
      expect(await first.page.locator('time').first().getAttribute('title')).toMatch(/\d:\d\d:\d\d\s?[AP]M$/);

      // Another browser, its OS light: it shows the dark theme and the 12-hour clock the person chose.
      const second = await session.signedIn(VIEWER);
      await second.page.getByRole('button', { name: 'Use light theme' }).waitFor();
      expect(await background(second.page)).toBe(dark);
      await session.visit(second.page, '/settings', 'Settings');
      expect(await theme(second.page).getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true);
      session.a11y.push(...(await seriousA11yViolations(second.page)).map((v) => `viewer-preferences (dark): ${v}`));
      await choose(second.page, timeFormat(second.page), '24-hour');
      await session.visit(second.page, '/settings/sessions', 'Sessions');
      expect(await second.page.locator('time').first().getAttribute('title')).toMatch(/\b([01]\d|2[0-3]):\d\d:\d\d$/);

      // Back to the OS: after a reload the page follows its (light) colour scheme again.
      await session.visit(second.page, '/settings', 'Settings');
      await choose(second.page, theme(second.page), 'System');
      await second.page.reload();
      await second.page.getByRole('button', { name: 'Use dark theme' }).waitFor();
      expect(await background(second.page)).toBe(light);
      await first.context.close();
      await second.context.close();
    },
    LONG,
  );

  it('had no page errors, no serious accessibility violations and no request elsewhere', () => {
    expect(session.pageErrors).toEqual([]);
    expect(session.a11y).toEqual([]);
    expect(session.foreign).toEqual([]);
  });
});
