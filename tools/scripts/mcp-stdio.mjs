#!/usr/bin/env node
// `npm run mcp:stdio`: the stdio MCP bridge (apps/api/src/mcp-stdio.ts) for desktop agents.
// Builds the API first when dist/apps/api/mcp-stdio.js is missing; stdout carries only the MCP
// protocol, so build output goes to stderr. TOMO_URL and TOMO_API_TOKEN come from the environment.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NX_ENV, ROOT } from './lib/services.mjs';

const bridge = path.join(ROOT, 'dist', 'apps', 'api', 'mcp-stdio.js');

if (!existsSync(bridge)) {
  process.stderr.write('tomo: building the API, which ships the stdio bridge (npx nx build api)…\n');
  const build = spawnSync('npx', ['nx', 'build', 'api', '--output-style=static'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, ...NX_ENV },
  });
  if (build.status !== 0 || !existsSync(bridge)) {
    process.stderr.write('tomo: building the stdio bridge failed (see above)\n');
    process.exit(1);
  }
}

const result = spawnSync(process.execPath, [bridge], { stdio: 'inherit' });
process.exit(result.status ?? 1);
