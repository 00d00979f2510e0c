// Makes sure the services Tomo needs answer: dependencies installed, Redis, and (for tests)
// PostgreSQL. Used by start.mjs and test.mjs. Node built-ins only: it runs before `npm install`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Environment for every nx call: no cloud, no daemon, no interactive UI. */
export const NX_ENV = {
  NX_NO_CLOUD: 'true',
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  NG_CLI_ANALYTICS: 'false',
};

export function log(message) {
  process.stdout.write(`[tomo] ${message}\n`);
}

/** Prints one line naming the problem and exits. */
export function fail(message) {
  process.stderr.write(`[tomo] ${message}\n`);
  process.exit(1);
}

/** Runs a command in the foreground, inheriting stdio; returns its exit code. */
export function run(cmd, args, { env = {}, cwd = ROOT } = {}) {
  const result = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, ...NX_ENV, ...env } });
  if (result.error) fail(`could not run ${cmd}: ${result.error.message}`);
  return result.status ?? 1;
}

export function runOrFail(cmd, args, options) {
  const code = run(cmd, args, options);
  if (code !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${code})`);
}

const isRoot = () => process.getuid?.() === 0;

/** `npm install` when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies (npm install)…');
  // `npm ci` fails here: the registry copy lacks some optional platform packages (TOOLCHAIN.md).
  runOrFail('npm', ['install', '--no-audit', '--no-fund']);
}

/** Installs Debian packages when a binary is missing; only root can, others get one line. */
export function ensureDebianPackage(binary, pkg) {
  if (existsSync(binary)) return;
  if (!isRoot()) fail(`${binary} is missing: install the Debian package "${pkg}" (apt-get install ${pkg})`);
  log(`installing ${pkg} (apt-get)…`);
  runOrFail('apt-get', ['update', '-qq']);
  runOrFail('apt-get', ['install', '-y', '-qq', pkg], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Sends a raw RESP PING; resolves true on +PONG (or an auth challenge, which means "it's Redis"). */
export function redisAnswers(url, timeoutMs = 1000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(/^\+PONG|^-NOAUTH/.test(data.toString())));
  });
}

export function tcpAnswers(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => done(true));
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it is true (returns true) or the time is up (returns false). */
export async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Returns a Redis URL that answers: REDIS_URL (or the default) when it does, otherwise a
 * redis-server started here on a free port with its data under dataDir, stopped with `stop()`.
 */
export async function ensureRedis(dataDir) {
  const wanted = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (await redisAnswers(wanted)) return { url: wanted, stop: async () => {} };
  ensureDebianPackage('/usr/bin/redis-server', 'redis-server');
  const port = await freePort();
  const dir = path.resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  log(`Redis does not answer at ${wanted}; starting redis-server on 127.0.0.1:${port} (data in ${dir})`);
  const child = spawn(
    '/usr/bin/redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  if (!(await waitFor(() => redisAnswers(url), 15_000))) {
    await stopChild(child);
    fail(`redis-server did not answer on ${url} within 15s`);
  }
  return { url, stop: () => stopChild(child) };
}

/**
 * Returns a Postgres URL for the test suite: TOMO_TEST_POSTGRES_URL if set, else the local
 * server on 127.0.0.1:5432, starting Debian's cluster (and installing it, as root) when none
 * answers. A `tomo_test` role with a password is created so TCP logins work under Debian's
 * default scram-sha-256 rule as well as under trust.
 */
export async function ensurePostgres() {
  if (process.env.TOMO_TEST_POSTGRES_URL) return process.env.TOMO_TEST_POSTGRES_URL;
  const url = 'postgres://tomo_test:tomo_test@127.0.0.1:5432/postgres';
  if (!(await tcpAnswers('127.0.0.1', 5432))) {
    ensureDebianPackage('/usr/bin/pg_ctlcluster', 'postgresql');
    if (!isRoot()) fail('PostgreSQL does not answer on 127.0.0.1:5432: start it, or set TOMO_TEST_POSTGRES_URL');
    const versions = spawnSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).stdout.trim().split('\n');
    const version = versions.filter(Boolean).sort().at(-1);
    if (!version) fail('no PostgreSQL cluster found in /etc/postgresql');
    log(`starting PostgreSQL ${version}…`);
    runOrFail('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    if (!(await waitFor(() => tcpAnswers('127.0.0.1', 5432), 30_000))) fail('PostgreSQL did not start within 30s');
  }
  if (isRoot()) {
    const sql =
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tomo_test') THEN " +
      "CREATE ROLE tomo_test LOGIN SUPERUSER PASSWORD 'tomo_test'; END IF; END $$;";
    // On stdin: through `su -c` the shell would expand the `$$` of the DO block.
    const result = spawnSync('su', ['postgres', '-c', 'psql -q -v ON_ERROR_STOP=1'], { input: sql, encoding: 'utf8' });
    if (result.status !== 0) fail(`could not create the tomo_test role: ${result.stderr.trim()}`);
  }
  return url;
}

export function stopChild(child, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
