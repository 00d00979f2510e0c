import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root: every path the e2e tier uses is relative to it. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

export const DIST = {
  api: resolve(WORKSPACE_ROOT, 'dist/apps/api/main.js'),
  worker: resolve(WORKSPACE_ROOT, 'dist/apps/worker/main.js'),
  web: resolve(WORKSPACE_ROOT, 'dist/apps/web/browser'),
} as const;

/** Screenshots and process logs of the last run, for humans to look at. */
export const ARTIFACTS_DIR = resolve(WORKSPACE_ROOT, 'tmp/e2e');

/** The version the API reports: the root package.json's. */
export function workspaceVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(WORKSPACE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The e2e tier tests what ships: the built apps. Say how to build them rather than fail obscurely. */
export function assertBuilt(withConsole = true): void {
  const missing = [
    [DIST.api, 'api'],
    [DIST.worker, 'worker'],
    ...(withConsole ? [[resolve(DIST.web, 'index.html'), 'web']] : []),
  ].filter(([file]) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `The e2e tests run the built apps; missing: ${missing.map(([file, app]) => `${app} (${file})`).join(', ')}. ` +
        'Run `npx nx run-many -t build -p api worker web` first (or `npx nx e2e e2e`, which builds them).',
    );
  }
}
