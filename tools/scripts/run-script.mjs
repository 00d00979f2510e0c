#!/usr/bin/env node
// `npm run bench -- <name>` and `npm run chaos -- <name>`: runs one benchmark
// (tools/bench/<name>.bench.ts) or one chaos / hostile-input run (tools/chaos/<name>.chaos.ts),
// TypeScript through @swc-node/register. Each prints progress on stderr and one JSON line of
// figures on stdout.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const [kind, name, ...args] = process.argv.slice(2);
if (kind !== 'bench' && kind !== 'chaos') {
  process.stderr.write('usage: node tools/scripts/run-script.mjs <bench|chaos> <name> [options]\n');
  process.exit(1);
}
const dir = path.join(ROOT, 'tools', kind);
const suffix = `.${kind}.ts`;
const available = readdirSync(dir)
  .filter((file) => file.endsWith(suffix))
  .map((file) => file.slice(0, -suffix.length));

if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run ${kind} -- <${available.join('|')}> [options]\n`);
  process.exit(name ? 1 : 0);
}

const result = spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(dir, `${name}${suffix}`), ...args], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.base.json'), NODE_ENV: 'production' },
});
process.exit(result.status ?? 1);
