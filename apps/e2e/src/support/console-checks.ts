import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS_DIR } from './workspace';

/** Screenshots of every page, light and dark, for people to look at after a run. */
export const SCREENSHOTS_DIR = join(ARTIFACTS_DIR, 'pages');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core (from node_modules, injected into the page: nothing is fetched from elsewhere) and
 * returns the serious and critical violations, each as "rule: help (selectors)".
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  }
  const { violations, rulesRun } = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(context: Document): Promise<Record<'violations' | 'passes' | 'incomplete' | 'inapplicable', unknown[]>>;
        };
      }
    ).axe;
    const results = await axe.run(document);
    return {
      violations: results.violations,
      rulesRun: results.violations.length + results.passes.length + results.incomplete.length,
    };
  });
  // A check that checked nothing would pass every page: make sure axe really looked.
  if (rulesRun === 0) throw new Error(`axe-core ran no rule on ${page.url()}`);
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * For each colour scheme: waits for the page to settle, saves `<name>-light.png` / `<name>-dark.png`
 * and collects axe's serious/critical violations (contrast differs between the two).
 * Returns the violations, prefixed with the page and scheme, so one assertion covers every page.
 */
export async function checkPage(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    // Let transitions (Material's ripples, the side nav) finish so screenshots and contrast are final.
    await page.waitForTimeout(300);
    await fullPageScreenshot(page, join(SCREENSHOTS_DIR, `${name}-${colorScheme}.png`));
    found.push(...(await seriousA11yViolations(page)).map((v) => `${name} (${colorScheme}): ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/**
 * The console scrolls inside its side-nav content, not the document, so Playwright's `fullPage`
 * would stop at the window: grow the viewport to the content's height for the shot.
 */
async function fullPageScreenshot(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize();
  const overflow = await page.evaluate(() => {
    const content = document.querySelector('mat-sidenav-content');
    return content ? content.scrollHeight - content.clientHeight : 0;
  });
  if (viewport && overflow > 0)
    await page.setViewportSize({ width: viewport.width, height: viewport.height + overflow });
  await page.screenshot({ path, fullPage: true });
  if (viewport && overflow > 0) await page.setViewportSize(viewport);
}

/** Requests the page made to any other origin than Tomo's (the console must work offline). */
export function trackForeignRequests(page: Page, baseUrl: string): string[] {
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (
      !url.startsWith(`${baseUrl}/`) &&
      !url.startsWith(baseUrl.replace('http', 'ws')) &&
      !/^(data|blob):/.test(url)
    ) {
      foreign.push(url);
    }
  });
  return foreign;
}
