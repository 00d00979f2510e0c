#!/usr/bin/env node
// Checks the console's production build: the initial JavaScript (what the browser must load before
// the first page shows), gzipped, must stay within its budget, and so must what each lazy route
// adds on top. Angular's own budgets count raw bytes, so this reads the build's esbuild metafile
// (`statsJson`), follows the static imports from main.js, gzips each file and sums.
//
//   node tools/scripts/web-size.mjs   (after `nx build web`; exit 1 above a budget)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'dist/apps/web');
const BUDGET_BYTES = 250 * 1024;
const LAZY_BUDGET_BYTES = 100 * 1024;

const { outputs } = JSON.parse(readFileSync(path.join(DIST, 'stats.json'), 'utf8'));
// The metafile names outputs relative to the browser folder.
const browserFile = (output) => path.join(DIST, 'browser', output);
const gzipped = new Map();
const gzipSize = (output) => {
  if (!gzipped.has(output)) gzipped.set(output, gzipSync(readFileSync(browserFile(output)), { level: 9 }).length);
  return gzipped.get(output);
};

/** A file and everything it imports statically (loaded together with it). */
function closure(start, seen = new Set()) {
  if (seen.has(start)) return seen;
  seen.add(start);
  for (const item of outputs[start]?.imports ?? []) {
    if (item.kind === 'import-statement' && !item.external) closure(item.path, seen);
  }
  return seen;
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const main = Object.keys(outputs).find((output) => /(^|\/)main-[^/]*\.js$/.test(output));
if (!main) throw new Error(`no main-*.js in ${DIST}/stats.json: build the console first (npx nx build web)`);
const initial = closure(main);
const initialJs = [...initial].filter((output) => output.endsWith('.js'));
const initialGzip = initialJs.reduce((sum, output) => sum + gzipSize(output), 0);
const initialRaw = initialJs.reduce((sum, output) => sum + outputs[output].bytes, 0);

console.log(
  `Initial JS: ${kb(initialGzip)} gzipped (${kb(initialRaw)} raw, ${initialJs.length} files); budget ${kb(BUDGET_BYTES)}`,
);
const lazy = Object.entries(outputs)
  .filter(([output, meta]) => output.endsWith('.js') && meta.entryPoint && !initial.has(output))
  .map(([output, meta]) => {
    const extra = [...closure(output)].filter((file) => !initial.has(file) && file.endsWith('.js'));
    return { entry: meta.entryPoint, gzip: extra.reduce((sum, file) => sum + gzipSize(file), 0) };
  })
  .sort((a, b) => a.entry.localeCompare(b.entry));
console.log(
  `Lazy chunks (gzipped, with the shared chunks they load that are not initial); budget ${kb(LAZY_BUDGET_BYTES)} each:`,
);
for (const { entry, gzip } of lazy) console.log(`  ${kb(gzip).padStart(9)}  ${entry}`);

const over = [
  ...(initialGzip > BUDGET_BYTES ? [`the initial JS is ${kb(initialGzip)}, above ${kb(BUDGET_BYTES)}`] : []),
  ...lazy
    .filter(({ gzip }) => gzip > LAZY_BUDGET_BYTES)
    .map(({ entry, gzip }) => `${entry} adds ${kb(gzip)}, above ${kb(LAZY_BUDGET_BYTES)}`),
];
if (over.length > 0) {
  console.error(`The console is over its size budget (gzipped): ${over.join('; ')}.`);
  process.exit(1);
}
