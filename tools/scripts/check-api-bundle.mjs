// `npm run check:api-bundle` (after `nx build api`): the built API holds no SSH connection code.
// Lint proves it on the sources (a transitive module-boundaries rule); this looks at what webpack
// actually bundled: neither the pool of libs/ssh nor ServerShell of libs/server-shell, and no
// require of the ssh2 package itself (its entry point loads the client; key validation requires
// only its parser). `node tools/scripts/check-api-bundle.mjs dist/apps/worker` shows it failing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FORBIDDEN = [
  ['SshConnectionPool (libs/ssh)', /\bclass SshConnectionPool\b/],
  ['ServerShell (libs/server-shell)', /\bclass ServerShell\b/],
  ['require("ssh2")', /require\(["']ssh2["']\)/],
];

const dir = process.argv[2] ?? 'dist/apps/api';
const bundle = join(dir, 'main.js');
const text = readFileSync(bundle, 'utf8');
const found = FORBIDDEN.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
if (found.length > 0) {
  console.error(`${bundle} holds SSH connection code: ${found.join(', ')}`);
  process.exit(1);
}
console.log(`${bundle}: no SSH connection code`);
