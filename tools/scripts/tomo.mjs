#!/usr/bin/env node
// `npm run tomo -- <command> [options]`: the Tomo command line (apps/cli). Builds it first when
// dist/apps/cli/main.js is missing (or TOMO_CLI_REBUILD=1), then runs it with the arguments.
// Build output goes to stderr, so stdout carries only what the command prints (e.g. a token).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NX_ENV, ROOT } from './lib/services.mjs';

const main = path.join(ROOT, 'dist', 'apps', 'cli', 'main.js');

if (!existsSync(main) || process.env.TOMO_CLI_REBUILD === '1') {
  process.stderr.write('tomo: building the command line (npx nx build cli)…\n');
  const build = spawnSync('npx', ['nx', 'build', 'cli', '--output-style=static'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, ...NX_ENV },
  });
  if (build.status !== 0 || !existsSync(main)) {
    process.stderr.write('tomo: building the command line failed (see above)\n');
    process.exit(1);
  }
}

const result = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
