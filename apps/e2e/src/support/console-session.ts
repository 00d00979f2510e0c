import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type Credentials, gqlOk, type TestbedState } from '@tomo/testing';
import { checkPage, trackForeignRequests } from './console-checks';
import { testbedServerInput } from './testbed-app';
import type { TomoStack } from './tomo-stack';

const VIEWPORT = { width: 1280, height: 860 };

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
}

/**
 * The browser side of a console e2e spec: the pages it opens and what went wrong on any of them
 * (page errors, serious a11y violations, requests to another origin), which the spec's last test
 * asserts empty.
 */
export class ConsoleSession {
  readonly pageErrors: string[] = [];
  readonly a11y: string[] = [];
  private readonly foreignPerPage: string[][] = [];

  constructor(
    readonly browser: Browser,
    readonly tomo: TomoStack,
  ) {}

  /** Requests any opened page made to another origin (the console must work offline). */
  get foreign(): string[] {
    return this.foreignPerPage.flat();
  }

  /** A page in a context of its own, watched; `who` prefixes its page errors. */
  async open(who: string): Promise<ConsolePage> {
    const context = await this.browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    this.foreignPerPage.push(trackForeignRequests(page, this.tomo.baseUrl));
    page.on('pageerror', (error) => this.pageErrors.push(`${who}: ${error.message}`));
    return { context, page };
  }

  /** A new watched page, signed in as `credentials`, on the Dashboard. */
  async signedIn(credentials: Credentials): Promise<ConsolePage> {
    const opened = await this.open(credentials.username);
    await opened.page.goto(`${this.tomo.baseUrl}/sign-in`);
    await signIn(opened.page, credentials);
    await heading(opened.page, 'Dashboard').waitFor();
    return opened;
  }

  /** Opens a page and waits until its data has loaded (no progress bar left). */
  async visit(page: Page, path: string, title: string | RegExp): Promise<void> {
    await page.goto(`${this.tomo.baseUrl}${path}`);
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    await page.locator('mat-progress-bar').first().waitFor({ state: 'detached' });
  }

  /** Screenshots (light and dark) and axe of the page as it is now. */
  async check(page: Page, name: string): Promise<void> {
    this.a11y.push(...(await checkPage(page, name)));
  }

  /** `check` at desktop width, then the same at a 375 px phone width. */
  async checkEverywhere(page: Page, name: string): Promise<void> {
    await this.check(page, name);
    await page.setViewportSize({ width: 375, height: 800 });
    await this.check(page, `${name}-375`);
    await page.setViewportSize(VIEWPORT);
  }
}

/** The page's main heading. */
export const heading = (scope: Page, name: string | RegExp) => scope.getByRole('heading', { level: 1, name });
/** A button by its exact accessible name. */
export const button = (scope: Page | Locator, name: string) => scope.getByRole('button', { name, exact: true });

/** Fills the sign-in form and submits it; the caller waits for where it lands. */
export async function signIn(page: Page, credentials: Credentials): Promise<void> {
  await page.getByLabel('Username', { exact: true }).fill(credentials.username);
  await page.getByLabel('Password', { exact: true }).fill(credentials.password);
  await button(page, 'Sign in').click();
}

/** Polls until `probe` returns something, or fails after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Polls a job until it has finished; returns its status. */
export function jobOutcome(tomo: TomoStack, token: string, id: string, timeoutMs: number): Promise<string> {
  return until(`job ${id} to finish`, timeoutMs, async () => {
    const { job } = await gqlOk<{ job: { status: string } }>(
      tomo,
      'query($id: ID!) { job(id: $id) { status } }',
      { id },
      token,
    );
    return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) ? job.status : undefined;
  });
}

/** Set-up, not under test: adds the testbed's sshd as server "testbed" (key auth) and waits until it is ONLINE. */
export async function addTestbedServer(
  tomo: TomoStack,
  token: string,
  testbed: TestbedState,
  timeoutMs: number,
): Promise<string> {
  const { addServer } = await gqlOk<{ addServer: { id: string } }>(
    tomo,
    'mutation($input: AddServerInput!) { addServer(input: $input) { id } }',
    { input: testbedServerInput(testbed, 'KEY') },
    token,
  );
  await until('the server to be ONLINE', timeoutMs, async () => {
    const { server } = await gqlOk<{ server: { status: string } }>(
      tomo,
      'query($id: ID!) { server(id: $id) { status } }',
      { id: addServer.id },
      token,
    );
    return server.status === 'ONLINE' ? true : undefined;
  });
  return addServer.id;
}

/** Set-up, not under test: adds the git repository at `url` as marketplace repository "e2e" and starts its sync. */
export async function addE2eCatalog(tomo: TomoStack, token: string, url: string): Promise<void> {
  const { addMarketplaceRepo } = await gqlOk<{ addMarketplaceRepo: { id: string } }>(
    tomo,
    'mutation($input: AddMarketplaceRepoInput!) { addMarketplaceRepo(input: $input) { id } }',
    { input: { name: 'e2e', url, branch: 'main' } },
    token,
  );
  await gqlOk(tomo, 'mutation($id: ID!) { syncMarketplaceRepo(id: $id) { id } }', { id: addMarketplaceRepo.id }, token);
}
