#!/usr/bin/env node
// `npm test`: the start bootstrap (dependencies, Redis), plus PostgreSQL and the testbed, then
// build, lint, unit, integration and end-to-end suites. Ends with one closing line
// `N passed, N failed, N skipped` summed over every suite (each linted project counts as one).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  ensureDebianPackage,
  ensureDependencies,
  ensurePostgres,
  ensureRedis,
  log,
  NX_ENV,
  ROOT,
  run,
} from './lib/services.mjs';

const RESULTS = path.join(ROOT, 'tmp', 'test-results');
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

ensureDependencies();
rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });
const redis = await ensureRedis(path.join(ROOT, 'tmp', 'test-data'));
const postgresUrl = await ensurePostgres();
// The e2e suite drives Debian's Chromium through playwright-core (no browser downloads here).
ensureDebianPackage(process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', 'chromium');
// The Compose Specification's JSON schema, which tools/image/compose-file.integration.spec.ts validates against.
ensureDebianPackage('/usr/lib/python3/dist-packages/compose/config/compose_spec.json', 'docker-compose');

const testbedWasUp =
  spawnSync(process.execPath, ['tools/testbed/testbed.mjs', 'status'], { cwd: ROOT, stdio: 'ignore' }).status === 0;
if (run(process.execPath, ['tools/testbed/testbed.mjs', 'up']) !== 0) {
  await finish('the testbed did not start (see above)');
}

const env = { REDIS_URL: redis.url, TOMO_TEST_POSTGRES_URL: postgresUrl };

log('building…');
if (run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], { env }) !== 0) {
  await finish('the build failed');
}

log('lint…');
lint();
// One format for the whole tree (.prettierrc); `npm run format` fixes what this finds.
check('formatting', 'npx', ['prettier', '--check', '.']);
// Jest transpiles specs without type checking (isolatedModules); this checks every server-side
// file, specs and tools included, against the strict compiler options.
log('type check…');
check('type check', 'npx', ['tsc', '-p', 'tsconfig.integration.json']);
// The console: its generated API types match schema.graphql, its initial JS stays ≤ 300 kB gzipped.
check('console types', process.execPath, ['tools/scripts/codegen.mjs', '--check']);
check('console size', process.execPath, ['tools/scripts/web-size.mjs']);
// The API opens no SSH connection: its bundle holds no SSH connection code.
check('API bundle without SSH', process.execPath, ['tools/scripts/check-api-bundle.mjs']);

// Unit tests of every project, in one Jest run (the e2e project has its own suite below).
const unitConfigs = ['apps', 'libs']
  .flatMap((dir) => readdirSync(path.join(ROOT, dir)).map((project) => `${dir}/${project}/jest.config.cts`))
  .filter((config) => config !== 'apps/e2e/jest.config.cts' && existsSync(path.join(ROOT, config)));
jestSuite('unit', ['--projects', ...unitConfigs]);
jestSuite('integration', ['-c', 'jest.integration.config.cts']);
// The engine's hand-written SQL again on Postgres (the schema test covers both databases).
jestSuite('integration-postgres', ['-c', 'jest.integration.config.cts', 'libs/workflows/src/lib/workflow-engine'], {
  TOMO_TEST_DATABASE: 'postgres',
});
if (existsSync(path.join(ROOT, 'apps/e2e/jest.config.cts'))) {
  jestSuite('e2e', ['-c', 'apps/e2e/jest.config.cts']);
}
await finish();

function lint() {
  const result = spawnSync('npx', ['nx', 'run-many', '-t', 'lint', '--output-style=static'], {
    cwd: ROOT,
    env: { ...process.env, ...NX_ENV },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  // eslint-disable-next-line no-control-regex -- nx colours its summary even when piped
  const output = result.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  const ran = [...output.matchAll(/nx run ([\w-]+):lint/g)].map((m) => m[1]);
  const failed = new Set([...(output.split('Failed tasks:')[1] ?? '').matchAll(/- ([\w-]+):lint/g)].map((m) => m[1]));
  for (const project of new Set(ran)) {
    if (failed.has(project)) {
      totals.failed += 1;
      failures.push(`lint ${project}`);
    } else {
      totals.passed += 1;
    }
  }
  if (result.status !== 0 && failed.size === 0) {
    totals.failed += 1;
    failures.push('lint (nx run-many failed)');
  }
}

function check(name, cmd, args) {
  if (run(cmd, args, { env }) === 0) {
    totals.passed += 1;
  } else {
    totals.failed += 1;
    failures.push(name);
  }
}

function jestSuite(name, args, extraEnv = {}) {
  log(`${name} tests…`);
  const outputFile = path.join(RESULTS, `${name}.json`);
  const code = run('npx', ['jest', ...args, '--json', `--outputFile=${outputFile}`], { env: { ...env, ...extraEnv } });
  if (!existsSync(outputFile)) {
    totals.failed += 1;
    failures.push(`${name}: jest exited ${code} without results`);
    return;
  }
  const report = JSON.parse(readFileSync(outputFile, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  if (code !== 0) failures.push(`${name} suite (exit ${code})`);
}

async function finish(fatal) {
  if (!testbedWasUp) run(process.execPath, ['tools/testbed/testbed.mjs', 'down']);
  await redis.stop();
  if (fatal) {
    failures.push(fatal);
    totals.failed += 1;
  }
  if (failures.length > 0) log(`failed: ${failures.join('; ')}`);
  process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  process.exit(failures.length > 0 ? 1 : 0);
}
