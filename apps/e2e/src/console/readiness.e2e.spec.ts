import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { startTomo, type TomoStack } from '../support/tomo-stack';
import { workspaceVersion } from '../support/workspace';

describe('console without Redis', () => {
  let tomo: TomoStack;
  let browser: Browser;

  beforeAll(async () => {
    // Port 1 on loopback: nothing listens there, so every connection is refused at once.
    tomo = await startTomo({ unreachableRedisUrl: 'redis://127.0.0.1:1' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await tomo?.stop();
  });

  it('shows that Redis is down, with the reason, while the rest of the page works', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${tomo.baseUrl}/`);

      const redis = page.getByTestId('readiness').locator('li.down');
      await redis.waitFor();
      expect((await redis.textContent())?.replace(/\s+/g, ' ').trim()).toMatch(/^Redis: down — .+/);
      expect(await page.getByTestId('readiness').locator('li.up').textContent()).toContain('Database: up');
      // GraphQL does not need Redis: the version is still there.
      await page.getByTestId('toolbar-version').getByText(`API v${workspaceVersion()}`, { exact: true }).waitFor();
    } finally {
      await context.close();
    }
  });
});
