// Copies into <out>/node_modules only the packages the server bundles load at run time, for the
// image's runtime stage: `npm prune --omit=dev` would keep the Angular framework (a dependency of
// the console, which ships as static files) and the packages the lockfile marks `devOptional`
// (TypeScript, swc). The webpack config leaves every node_modules package out of the bundles, so
// their `require("<package>")` calls name the roots; each root's dependencies, optional
// dependencies and required peers follow, resolved as Node resolves them.
// Usage: node tools/image/runtime-modules.mjs <out dir> <bundle dir>...
import { builtinModules } from 'node:module';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const [out, ...bundleDirs] = process.argv.slice(2);
if (!out || bundleDirs.length === 0) {
  console.error('usage: runtime-modules.mjs <out dir> <bundle dir>...');
  process.exit(2);
}
const root = process.cwd();

// Loaded by name, not from the bundles' code: bcryptjs (in the password worker thread), TypeORM's
// database drivers, @nestjs/apollo's Express integration and GraphQL subscription server
// (graphql-ws over ws), and the transport pino starts when LOG_PRETTY is set (libs/config).
const LOADED_BY_NAME = [
  'bcryptjs',
  'pg',
  'better-sqlite3',
  '@apollo/server',
  '@as-integrations/express5',
  'graphql-ws',
  'ws',
  'pino-pretty',
];

// Optional peers that the workspace installs on purpose are loaded by name when present (Nest's
// HTTP adapter, class-validator for ValidationPipe, ws for GraphQL subscriptions).
const workspaceDependencies = new Set(
  Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {}),
);

const packageName = (request) =>
  request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0];

const roots = new Set(LOADED_BY_NAME);
for (const dir of bundleDirs)
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')))
    for (const [, request] of readFileSync(join(dir, file), 'utf8').matchAll(/require\("([^".][^"]*)"\)/g))
      if (!request.startsWith('node:') && !builtinModules.includes(packageName(request)))
        roots.add(packageName(request));

/** The directory of `name` as seen from the package in `fromDir`, as Node's lookup finds it. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
  }
}

const keep = new Set();
const pending = [...roots].map((name) => {
  const dir = resolvePackage(name, root);
  if (!dir) throw new Error(`${name}: required by a bundle but not installed`);
  return dir;
});
while (pending.length > 0) {
  const dir = pending.pop();
  if (keep.has(dir)) continue;
  keep.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const optionalPeers = new Set(
    Object.entries(pkg.peerDependenciesMeta ?? {})
      .filter(([name, meta]) => meta.optional && !workspaceDependencies.has(name))
      .map(([name]) => name),
  );
  const required = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].filter(
    (name) => !optionalPeers.has(name),
  );
  for (const name of required) {
    const found = resolvePackage(name, dir);
    if (!found) throw new Error(`${name}: needed by ${relative(root, dir)} but not installed`);
    pending.push(found);
  }
  // Optional dependencies (platform binaries and the like) are kept when npm installed them.
  for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
    const found = resolvePackage(name, dir);
    if (found) pending.push(found);
  }
}

// A nested package is copied with its own directory; its parent's copy leaves nested node_modules
// out so that only what the walk reached is shipped. Source maps and TypeScript sources or
// declarations are never loaded; a native addon needs its compiled `.node` file, not its C
// sources or the build's intermediate objects.
const unused = (file) => /\.(map|ts|mts|cts)$/.test(file);
for (const dir of keep) {
  const native = existsSync(join(dir, 'binding.gyp'));
  const target = join(out, relative(root, dir));
  cpSync(dir, target, {
    recursive: true,
    filter: (source) => {
      const [top, ...rest] = relative(dir, source).split('/');
      if (top === 'node_modules' || unused(source)) return false;
      if (!native || rest.length === 0) return true;
      if (top === 'deps' || top === 'src') return false;
      return top !== 'build' || !statSync(source).isFile() || source.endsWith('.node');
    },
  });
}
console.log(`${keep.size} packages copied to ${join(out, 'node_modules')} (bundles require ${roots.size})`);
