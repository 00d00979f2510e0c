#!/usr/bin/env node
// `npm run chaos -- <name>`: runs one chaos or hostile-input run (tools/chaos/<name>.chaos.ts,
// TypeScript through @swc-node/register), as bench.mjs runs benchmarks. Each prints progress on
// stderr and one JSON line of figures on stdout.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHAOS_DIR = path.join(ROOT, 'tools', 'chaos');
const available = readdirSync(CHAOS_DIR)
  .filter((file) => file.endsWith('.chaos.ts'))
  .map((file) => file.slice(0, -'.chaos.ts'.length));

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run chaos -- <${available.join('|')}> [options]\n`);
  process.exit(name ? 1 : 0);
}

const file = path.join(CHAOS_DIR, `${name}.chaos.ts`);
const result = spawnSync(process.execPath, ['-r', '@swc-node/register', file, ...args], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.base.json'), NODE_ENV: 'production' },
});
process.exit(result.status ?? 1);
