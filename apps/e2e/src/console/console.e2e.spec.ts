import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { startTomo, type TomoStack } from '../support/tomo-stack';
import { ARTIFACTS_DIR, workspaceVersion } from '../support/workspace';

describe('console', () => {
  let tomo: TomoStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every URL the page asked for: the console must work offline, from its own origin only. */
  let requested: string[];
  let pageErrors: string[];

  beforeAll(async () => {
    tomo = await startTomo({ worker: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await tomo?.stop();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    requested = [];
    pageErrors = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  afterEach(async () => {
    await context?.close();
  });

  function expectOnlyOwnOriginRequests(): void {
    const foreign = requested.filter((url) => !url.startsWith(`${tomo.baseUrl}/`) && !url.startsWith('data:'));
    expect(foreign).toEqual([]);
  }

  it('shows the toolbar, the API version and readiness on the home page, and serves deep links', async () => {
    const version = workspaceVersion();
    // Signed in as the first admin (the journey spec does this through the setup page): the
    // session cookie lands in this browser context.
    await page.goto(`${tomo.baseUrl}/setup`);
    const setup = await page.evaluate(async () => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { expiresAt } }',
          variables: { input: { username: 'owner', password: 'correct horse battery staple' } },
        }),
      });
      return (await response.json()) as { errors?: unknown };
    });
    expect(setup.errors).toBeUndefined();
    await page.goto(`${tomo.baseUrl}/`);

    await page.getByRole('link', { name: 'Tomo', exact: true }).waitFor();
    await page.getByTestId('toolbar-version').getByText(`API v${version}`, { exact: true }).waitFor();
    await page.getByText('Database: up', { exact: true }).waitFor();
    await page.getByText('Redis: up', { exact: true }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    expect((await page.getByTestId('api-version').locator('dd').textContent())?.trim()).toBe(version);
    expect(await page.title()).toBe('Dashboard · Tomo');

    const sections = await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents();
    expect(sections.map((label) => label.trim())).toEqual([
      'Dashboard',
      'Servers',
      'Apps',
      'Deployments',
      'Jobs',
      'Settings',
    ]);

    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'home.png'), fullPage: true });

    // A deep link loaded by URL: the API answers with the console, and the router shows the page.
    const response = await page.goto(`${tomo.baseUrl}/settings`);
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByRole('link', { name: 'API tokens' }).waitFor();
    expect(await page.title()).toBe('Settings · Tomo');
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toContain('Settings');

    // In-app navigation, without reloading the page.
    await page.getByRole('link', { name: 'Servers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Servers' }).waitFor();
    expect(page.url()).toBe(`${tomo.baseUrl}/servers`);

    expectOnlyOwnOriginRequests();
    expect(pageErrors).toEqual([]);
  });

  it('talks GraphQL to the API from the page, over HTTP and graphql-ws', async () => {
    await page.goto(`${tomo.baseUrl}/`);
    await page.getByText('Redis: up', { exact: true }).waitFor();

    const overHttp = await page.evaluate(async () => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ version }' }),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    });
    expect(overHttp).toEqual({ status: 200, body: { data: { version: workspaceVersion() } } });

    // The graphql-ws handshake (graphql-transport-ws protocol) that subscriptions will use.
    const overWs = await page.evaluate(
      () =>
        new Promise<{ protocol: string; reply: unknown }>((resolve, reject) => {
          const socket = new WebSocket(`ws://${location.host}/graphql`, 'graphql-transport-ws');
          const timer = setTimeout(() => reject(new Error('no connection_ack within 5 s')), 5_000);
          socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
          socket.onerror = () => reject(new Error('WebSocket error'));
          socket.onmessage = (event) => {
            clearTimeout(timer);
            resolve({ protocol: socket.protocol, reply: JSON.parse(String(event.data)) });
            socket.close();
          };
        }),
    );
    expect(overWs).toEqual({ protocol: 'graphql-transport-ws', reply: { type: 'connection_ack' } });

    expectOnlyOwnOriginRequests();
    expect(pageErrors).toEqual([]);
  });
});
