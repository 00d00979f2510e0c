import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The workspace root: the nearest directory above this file that holds `nx.json`. */
function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/**
 * The reference marketplace repository (four sample apps, manifest.json and the schema) that
 * sits beside the checkout in `../shared/marketplace`. Tests only.
 */
export const SAMPLE_MARKETPLACE_DIR = resolve(workspaceRoot(), '..', 'shared', 'marketplace');

/** This library's test-only apps (a busybox httpd that the testbed can run), in repository layout. */
export const TEST_APPS_DIR = resolve(__dirname, '..', '..', '..', 'test-apps');
