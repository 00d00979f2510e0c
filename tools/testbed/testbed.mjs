#!/usr/bin/env node
// Tomo testbed: real servers on loopback for integration tests.
//
//   node tools/testbed/testbed.mjs up       start (or verify) everything, write tmp/testbed/state.json
//   node tools/testbed/testbed.mjs status   exit 0 when everything runs, 3 otherwise
//   node tools/testbed/testbed.mjs down     stop only the processes `up` started (by recorded pid)
//
// What `up` runs (all bound to 127.0.0.1 / unix sockets, nothing else):
//   * an isolated dockerd (own data-root, exec-root, socket, pidfile; no iptables, no bridge)
//   * a local Docker registry (Debian's docker-registry) on a free loopback port, holding two
//     offline-built busybox images: tomo/busybox:1 and tomo/busybox:2
//   * an OpenSSH sshd with its own config, host key and port, for the user `tomo-test-<hash>`, whose
//     sessions get DOCKER_HOST pointing at the isolated engine
//
// Only Node built-ins are used. Needs root (it creates a user, runs dockerd and sshd).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Paths and constants
// ---------------------------------------------------------------------------------------------

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STATE_DIR = path.join(ROOT, 'tmp', 'testbed');
const STATE_FILE = path.join(STATE_DIR, 'state.json');
const HASH = createHash('sha256').update(ROOT).digest('hex').slice(0, 8);
// Unix socket paths must stay below 108 bytes, and containerd puts its sockets under exec-root,
// so the runtime dir is short and outside the project tree.
const RUN_DIR = `/run/tomo-testbed-${HASH}`;

// One test user per checkout: two testbeds on one machine (a developer's and CI's fresh clone)
// must not rewrite each other's password and authorized keys.
const USER = `tomo-test-${HASH}`;
const GROUP = 'tomo-testbed-docker';
const PACKAGES = ['openssh-server', 'openssh-client', 'docker.io', 'busybox-static', 'docker-registry'];
const IMAGE_REPO = 'tomo/busybox';
const LOCAL_IMAGE = 'tomo-testbed/busybox';
const PREFERRED_SSH_PORT = 2222;

const P = {
  dockerData: path.join(STATE_DIR, 'docker-data'),
  execRoot: path.join(RUN_DIR, 'exec'),
  dockerSock: path.join(RUN_DIR, 'docker.sock'),
  dockerPid: path.join(STATE_DIR, 'dockerd.pid'),
  dockerLog: path.join(STATE_DIR, 'dockerd.log'),
  dockerCliConfig: path.join(STATE_DIR, 'docker-cli'),
  registryDir: path.join(STATE_DIR, 'registry'),
  registryData: path.join(STATE_DIR, 'registry', 'data'),
  registryConfig: path.join(STATE_DIR, 'registry', 'config.yml'),
  registryPid: path.join(STATE_DIR, 'registry.pid'),
  registryLog: path.join(STATE_DIR, 'registry.log'),
  imageBuild: path.join(STATE_DIR, 'image-build'),
  sshDir: path.join(STATE_DIR, 'ssh'),
  sshdConfig: path.join(STATE_DIR, 'ssh', 'sshd_config'),
  hostKey: path.join(STATE_DIR, 'ssh', 'ssh_host_ed25519_key'),
  sshdPid: path.join(STATE_DIR, 'sshd.pid'),
  sshdLog: path.join(STATE_DIR, 'sshd.log'),
  clientKey: path.join(STATE_DIR, 'ssh', 'id_ed25519'),
  encryptedKey: path.join(STATE_DIR, 'ssh', 'id_ed25519_encrypted'),
  passwordFile: path.join(STATE_DIR, 'ssh', 'password'),
  passphraseFile: path.join(STATE_DIR, 'ssh', 'passphrase'),
  knownHosts: path.join(STATE_DIR, 'ssh', 'known_hosts'),
  askpass: path.join(STATE_DIR, 'ssh', 'askpass.sh'),
};

const BIN = {
  dockerd: '/usr/sbin/dockerd',
  docker: fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker',
  registry: '/usr/bin/docker-registry',
  sshd: '/usr/sbin/sshd',
  ssh: '/usr/bin/ssh',
  sshKeygen: '/usr/bin/ssh-keygen',
  busybox: '/bin/busybox',
};

// A clean environment for the daemons: no proxies (all traffic stays on loopback), Debian's
// packaged binaries first on PATH (dockerd looks up containerd/runc/docker-init there).
const DAEMON_ENV = {
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin',
  HOME: process.env.HOME || '/root',
  LANG: 'C.UTF-8',
};

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

class TestbedError extends Error {}
const fail = (msg) => {
  throw new TestbedError(msg);
};

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command synchronously; throws with its output on failure unless opts.check === false. */
function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    env: opts.env ?? process.env,
    timeout: opts.timeout ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
    stdio: opts.inherit ? ['ignore', 'inherit', 'inherit'] : undefined,
  });
  if (res.error) {
    if (opts.check === false) return { code: -1, stdout: '', stderr: String(res.error.message) };
    fail(`${cmd} ${args.join(' ')}: ${res.error.message}`);
  }
  const out = {
    code: res.status ?? -1,
    stdout: res.stdout ?? '',
    stderr: res.stderr ?? '',
  };
  if (out.code !== 0 && opts.check !== false) {
    const detail = (out.stderr || out.stdout).trim().split('\n').slice(-5).join('\n    ');
    fail(`command failed (exit ${out.code}): ${cmd} ${args.join(' ')}\n    ${detail}`);
  }
  return out;
}

function dockerEnv() {
  const env = { ...process.env, DOCKER_CONFIG: P.dockerCliConfig };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[k];
  return env;
}

/** docker CLI against the testbed engine only. */
function docker(args, opts = {}) {
  return run(BIN.docker, ['-H', `unix://${P.dockerSock}`, ...args], {
    env: dockerEnv(),
    ...opts,
  });
}

function mkdirp(dir, mode) {
  fs.mkdirSync(dir, { recursive: true, mode });
  if (mode !== undefined) fs.chmodSync(dir, mode);
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readPidFile(file) {
  const txt = readText(file);
  const pid = txt ? Number.parseInt(txt.trim(), 10) : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function readState() {
  const txt = readText(STATE_FILE);
  if (!txt) return null;
  try {
    return JSON.parse(txt);
  } catch {
    return null;
  }
}

function writeState(state) {
  mkdirp(STATE_DIR, 0o700);
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, STATE_FILE);
}

/**
 * Is `pid` alive, not a zombie, and one of OUR processes? `marker` is a string that only our
 * process has on its command line (its private config or data path), so a recycled pid after a
 * crash or reboot is never mistaken for ours.
 */
function isOurs(pid, marker) {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Resolves with a port that is free on 127.0.0.1: `preferred` entries first, else any. */
async function freePort(...preferred) {
  for (const p of preferred) {
    if (p && (await canListen(p))) return p;
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canListen(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Minimal HTTP request (TCP on 127.0.0.1 or a unix socket). Resolves { status, body } or null. */
function httpRequest({ port, socketPath, method = 'GET', path: urlPath, headers = {}, timeout = 2000 }) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        socketPath,
        method,
        path: urlPath,
        headers,
        timeout,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end();
  });
}

async function dockerPing() {
  const res = await httpRequest({ socketPath: P.dockerSock, path: '/_ping' });
  return res?.status === 200 && res.body === 'OK';
}

async function registryPing(port) {
  const res = await httpRequest({ port, path: '/v2/' });
  return res?.status === 200;
}

const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

async function registryHasTag(port, tag) {
  const res = await httpRequest({
    port,
    method: 'HEAD',
    path: `/v2/${IMAGE_REPO}/manifests/${tag}`,
    headers: { Accept: MANIFEST_ACCEPT },
  });
  return res?.status === 200;
}

/** Resolves with the SSH identification line ("SSH-2.0-...") of a server, or null. */
function sshBanner(port, timeout = 2000) {
  return new Promise((resolve) => {
    let buf = '';
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeout, () => done(null));
    sock.on('error', () => done(null));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl).trim().startsWith('SSH-2.0') ? buf.slice(0, nl).trim() : null);
    });
    sock.on('end', () => done(null));
  });
}

async function waitFor(what, check, { timeoutMs, intervalMs = 100, aborted }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const why = aborted?.();
    if (why) fail(`${what}: ${why}`);
    if (Date.now() > deadline) fail(`${what}: timed out after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(intervalMs);
  }
}

/** Starts a long-running daemon in its own session, output appended to `logFile`. */
function spawnDaemon(cmd, args, logFile) {
  const fd = fs.openSync(logFile, 'a', 0o600);
  fs.writeSync(fd, `\n==== ${new Date().toISOString()} testbed: ${cmd} ${args.join(' ')}\n`);
  let child;
  try {
    child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: DAEMON_ENV,
    });
  } finally {
    fs.closeSync(fd);
  }
  let exit = null;
  child.on('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `exit code ${code}`));
  child.on('error', (e) => (exit = e.message));
  child.unref();
  return { pid: child.pid, exited: () => exit };
}

function tailLog(file, lines = 8) {
  const txt = readText(file);
  if (!txt) return '';
  return txt
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `    | ${l}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Step 1: Debian packages
// ---------------------------------------------------------------------------------------------

function missingPackages() {
  return PACKAGES.filter((pkg) => {
    const res = run('dpkg-query', ['-W', '-f=${Status}', pkg], {
      check: false,
    });
    return !(res.code === 0 && res.stdout.trim() === 'install ok installed');
  });
}

function ensurePackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (!isRoot) {
    console.error(`testbed: missing Debian packages; as root run: apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.log(`testbed: installing ${missing.join(', ')} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env, timeout: 600_000, inherit: true });
  run('apt-get', ['install', '-y', ...missing], {
    env,
    timeout: 1_200_000,
    inherit: true,
  });
  const still = missingPackages();
  if (still.length) fail(`packages still missing after apt-get install: ${still.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------
// Users, groups, keys
// ---------------------------------------------------------------------------------------------

function ensureGroup() {
  if (run('getent', ['group', GROUP], { check: false }).code !== 0) {
    run('groupadd', ['--system', GROUP]);
  }
}

function ensureUser() {
  if (run('id', ['-u', USER], { check: false }).code !== 0) {
    run('useradd', ['-m', '-s', '/bin/sh', '-G', GROUP, USER]);
  }
  const groups = run('id', ['-nG', USER]).stdout.trim().split(/\s+/);
  if (!groups.includes(GROUP)) run('usermod', ['-aG', GROUP, USER]);
}

function secret(file) {
  const existing = readText(file)?.trim();
  if (existing) return existing;
  const value = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}

function ensureKeyPair(file, passphrase, comment) {
  if (fs.existsSync(file) && fs.existsSync(`${file}.pub`)) return;
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  run(BIN.sshKeygen, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', file]);
  fs.chmodSync(file, 0o600);
}

function ensureCredentials() {
  mkdirp(P.sshDir, 0o700);
  const password = secret(P.passwordFile);
  const passphrase = secret(P.passphraseFile);
  run('chpasswd', [], { input: `${USER}:${password}\n` });

  ensureKeyPair(P.clientKey, '', 'tomo-testbed');
  ensureKeyPair(P.encryptedKey, passphrase, 'tomo-testbed-encrypted');

  const home = run('getent', ['passwd', USER]).stdout.split(':')[5];
  const uid = Number(run('id', ['-u', USER]).stdout.trim());
  const gid = Number(run('id', ['-g', USER]).stdout.trim());
  // StrictModes: home and ~/.ssh must not be group/world writable, key file owned by the user.
  const homeMode = fs.statSync(home).mode & 0o777;
  if (homeMode & 0o022) fs.chmodSync(home, homeMode & ~0o022);
  const sshDir = path.join(home, '.ssh');
  mkdirp(sshDir, 0o700);
  fs.chownSync(sshDir, uid, gid);
  const authorized = path.join(sshDir, 'authorized_keys');
  const keys = readText(`${P.clientKey}.pub`).trim() + '\n' + readText(`${P.encryptedKey}.pub`).trim() + '\n';
  if (readText(authorized) !== keys) fs.writeFileSync(authorized, keys, { mode: 0o600 });
  fs.chmodSync(authorized, 0o600);
  fs.chownSync(authorized, uid, gid);
  return { password, passphrase };
}

// ---------------------------------------------------------------------------------------------
// Step 2: isolated dockerd
// ---------------------------------------------------------------------------------------------

async function ensureDockerd() {
  mkdirp(RUN_DIR, 0o755);
  mkdirp(P.execRoot, 0o700);
  mkdirp(P.dockerData, 0o710);
  mkdirp(P.dockerCliConfig, 0o700);

  let pid = readPidFile(P.dockerPid);
  let exited = () => null;
  if (isOurs(pid, P.dockerData)) {
    // Already running (maybe still starting): just wait for it below.
  } else {
    // Stale pid file (crash, reboot, recycled pid): dockerd refuses to start over a live pid.
    fs.rmSync(P.dockerPid, { force: true });
    // dockerd reuses "its" containerd when the pid in exec-root/containerd/containerd.pid exists
    // (a plain kill(pid, 0) check). After a crash that pid may be a not-yet-reaped zombie or a
    // recycled pid, and dockerd would then wait forever for a dead socket: drop the stale file.
    const ctdPidFile = path.join(P.execRoot, 'containerd', 'containerd.pid');
    if (!isOurs(readPidFile(ctdPidFile), P.execRoot)) fs.rmSync(ctdPidFile, { force: true });
    const args = [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--data-root',
      P.dockerData,
      '--exec-root',
      P.execRoot,
      '--pidfile',
      P.dockerPid,
      '-H',
      `unix://${P.dockerSock}`,
      '--group',
      GROUP,
      // Own containerd namespaces: even if dockerd attaches to a system containerd (it does when
      // /run/containerd/containerd.sock exists), our containers/images never mix with the
      // system Docker's ("moby").
      '--containerd-namespace',
      'tomo-testbed',
      '--containerd-plugins-namespace',
      'tomo-testbed-plugins',
    ];
    const d = spawnDaemon(BIN.dockerd, args, P.dockerLog);
    pid = d.pid;
    exited = () => (d.exited() ? `dockerd exited (${d.exited()})` : null);
  }
  try {
    await waitFor('dockerd did not become ready', dockerPing, {
      timeoutMs: 60_000,
      aborted: exited,
    });
    docker(['info', '--format', '{{.ServerVersion}}'], { timeout: 30_000 });
  } catch (e) {
    fail(`${e.message}\n  dockerd log: ${P.dockerLog}\n${tailLog(P.dockerLog)}`);
  }
  return pid;
}

// ---------------------------------------------------------------------------------------------
// Step 3: registry and images
// ---------------------------------------------------------------------------------------------

function registryPortFromConfig() {
  const m = readText(P.registryConfig)?.match(/addr:\s*127\.0\.0\.1:(\d+)/);
  return m ? Number(m[1]) : null;
}

async function ensureRegistry() {
  mkdirp(P.registryData, 0o700);
  const pid = readPidFile(P.registryPid);
  const oldPort = registryPortFromConfig();
  if (isOurs(pid, P.registryConfig) && oldPort && (await registryPing(oldPort))) {
    return { pid, port: oldPort };
  }
  if (isOurs(pid, P.registryConfig)) await stopPid('registry', pid, P.registryConfig, 5_000);

  // Keep the previous port when possible so image names in state.json stay stable.
  const port = await freePort(oldPort);
  const config = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  fields:',
    '    service: tomo-testbed-registry',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${P.registryData}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${secret(path.join(P.registryDir, 'http-secret'))}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '',
  ].join('\n');
  fs.writeFileSync(P.registryConfig, config, { mode: 0o600 });

  const d = spawnDaemon(BIN.registry, ['serve', P.registryConfig], P.registryLog);
  fs.writeFileSync(P.registryPid, `${d.pid}\n`);
  try {
    await waitFor('registry did not become ready', () => registryPing(port), {
      timeoutMs: 20_000,
      aborted: () => (d.exited() ? `registry exited (${d.exited()})` : null),
    });
  } catch (e) {
    fail(`${e.message}\n  registry log: ${P.registryLog}\n${tailLog(P.registryLog)}`);
  }
  return { pid: d.pid, port };
}

/** Builds a busybox root filesystem offline and returns the tarball path. */
function buildRootfsTar(version) {
  const dir = path.join(P.imageBuild, `rootfs-${version}`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ['bin', 'etc', 'root', 'proc', 'sys', 'dev']) mkdirp(path.join(dir, d), 0o755);
  mkdirp(path.join(dir, 'tmp'), 0o1777);
  fs.chmodSync(path.join(dir, 'root'), 0o700);
  fs.copyFileSync(BIN.busybox, path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  const applets = run(BIN.busybox, ['--list'])
    .stdout.split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const applet of applets) {
    if (applet === 'busybox' || applet.includes('/')) continue;
    fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  }
  fs.writeFileSync(
    path.join(dir, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  fs.writeFileSync(path.join(dir, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(dir, 'etc', 'tomo-version'), `${version}\n`);
  const tarball = path.join(P.imageBuild, `rootfs-${version}.tar`);
  run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', tarball, '.']);
  fs.rmSync(dir, { recursive: true, force: true });
  return tarball;
}

async function ensureImages(regPort) {
  const registry = `127.0.0.1:${regPort}`;
  const images = {
    v1: `${registry}/${IMAGE_REPO}:1`,
    v2: `${registry}/${IMAGE_REPO}:2`,
  };
  if ((await registryHasTag(regPort, '1')) && (await registryHasTag(regPort, '2'))) return images;

  if (!fs.statSync(BIN.busybox).isFile()) fail(`${BIN.busybox} missing (package busybox-static)`);
  if (readElfInterp(BIN.busybox)) fail(`${BIN.busybox} is dynamically linked; install busybox-static`);
  mkdirp(P.imageBuild, 0o700);
  for (const [key, version] of [
    ['v1', '1'],
    ['v2', '2'],
  ]) {
    const local = `${LOCAL_IMAGE}:${version}`;
    const tarball = buildRootfsTar(version);
    docker([
      'import',
      '--change',
      'CMD ["sh"]',
      '--change',
      `LABEL org.opencontainers.image.version=${version}`,
      '--message',
      `tomo testbed busybox ${version}`,
      tarball,
      local,
    ]);
    fs.rmSync(tarball, { force: true });
    docker(['tag', local, images[key]]);
    docker(['push', images[key]], { timeout: 120_000 });
    if (!(await registryHasTag(regPort, version))) fail(`pushed ${images[key]} but the registry does not list it`);
    // Remove every local reference so that a later `docker pull` really downloads the image.
    docker(['rmi', images[key], local]);
  }
  return images;
}

/** Returns the ELF PT_INTERP of a 64-bit little-endian binary (null when statically linked). */
function readElfInterp(file) {
  const buf = fs.readFileSync(file);
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return null;
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (buf.readUInt32LE(off) === 3) {
      const o = Number(buf.readBigUInt64LE(off + 8));
      const sz = Number(buf.readBigUInt64LE(off + 32));
      return buf.subarray(o, o + sz - 1).toString();
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Step 4: sshd
// ---------------------------------------------------------------------------------------------

function sshdPortFromConfig() {
  const m = readText(P.sshdConfig)?.match(/^Port (\d+)$/m);
  return m ? Number(m[1]) : null;
}

function hostKeyFingerprint() {
  // "256 SHA256:xxxx comment (ED25519)"
  return run(BIN.sshKeygen, ['-lf', `${P.hostKey}.pub`])
    .stdout.trim()
    .split(/\s+/)[1];
}

/** Logs in with the openssh client (key, then password via SSH_ASKPASS) and runs `docker ps`. */
function verifySshLogin(port) {
  const common = [
    '-p',
    String(port),
    '-o',
    `UserKnownHostsFile=${P.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'ConnectTimeout=10',
    '-F',
    '/dev/null',
  ];
  const env = { ...DAEMON_ENV };
  const viaKey = run(
    BIN.ssh,
    [
      ...common,
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-i',
      P.clientKey,
      `${USER}@127.0.0.1`,
      'docker ps --format "{{.ID}}" >/dev/null && echo "ok $DOCKER_HOST"',
    ],
    { env, check: false, timeout: 30_000 },
  );
  if (viaKey.code !== 0 || viaKey.stdout.trim() !== `ok unix://${P.dockerSock}`) {
    fail(
      `ssh key login + docker ps failed (exit ${viaKey.code}): ${(viaKey.stderr || viaKey.stdout).trim()}\n  sshd log: ${P.sshdLog}\n${tailLog(P.sshdLog)}`,
    );
  }
  fs.writeFileSync(P.askpass, `#!/bin/sh\nexec cat '${P.passwordFile}'\n`, {
    mode: 0o700,
  });
  const viaPassword = run(
    BIN.ssh,
    [
      ...common,
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password',
      '-o',
      'NumberOfPasswordPrompts=1',
      `${USER}@127.0.0.1`,
      'id -nG',
    ],
    {
      env: {
        ...env,
        SSH_ASKPASS: P.askpass,
        SSH_ASKPASS_REQUIRE: 'force',
        DISPLAY: ':0',
      },
      check: false,
      timeout: 30_000,
    },
  );
  if (viaPassword.code !== 0 || !viaPassword.stdout.split(/\s+/).includes(GROUP)) {
    fail(
      `ssh password login failed (exit ${viaPassword.code}): ${(viaPassword.stderr || viaPassword.stdout).trim()}\n  sshd log: ${P.sshdLog}\n${tailLog(P.sshdLog)}`,
    );
  }
}

async function ensureSshd() {
  mkdirp(P.sshDir, 0o700);
  if (!fs.existsSync(P.hostKey) || !fs.existsSync(`${P.hostKey}.pub`)) {
    fs.rmSync(P.hostKey, { force: true });
    fs.rmSync(`${P.hostKey}.pub`, { force: true });
    run(BIN.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'tomo-testbed-host', '-f', P.hostKey]);
  }
  fs.chmodSync(P.hostKey, 0o600);

  const oldPort = sshdPortFromConfig();
  let pid = readPidFile(P.sshdPid);
  let port = oldPort;
  let started = false;
  const configCurrent = (readText(P.sshdConfig) ?? '').includes(`AllowUsers ${USER}\n`);
  if (!(configCurrent && isOurs(pid, P.sshdConfig) && oldPort && (await sshBanner(oldPort)))) {
    if (isOurs(pid, P.sshdConfig)) await stopPid('sshd', pid, P.sshdConfig, 5_000);
    fs.rmSync(P.sshdPid, { force: true });
    port = await freePort(oldPort, PREFERRED_SSH_PORT);
    const config = [
      '# Generated by tools/testbed/testbed.mjs -- do not edit, it is rewritten on `up`.',
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      'AddressFamily inet',
      `HostKey ${P.hostKey}`,
      `PidFile ${P.sshdPid}`,
      'PasswordAuthentication yes',
      'PubkeyAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM yes',
      'PermitRootLogin no',
      `AllowUsers ${USER}`,
      'AuthorizedKeysFile .ssh/authorized_keys',
      'StrictModes yes',
      'MaxSessions 10',
      'MaxStartups 100:30:200',
      'MaxAuthTries 6',
      'LoginGraceTime 30',
      'PrintMotd no',
      'X11Forwarding no',
      'UseDNS no',
      'LogLevel VERBOSE',
      `SetEnv DOCKER_HOST=unix://${P.dockerSock}`,
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n');
    fs.writeFileSync(P.sshdConfig, config, { mode: 0o600 });
    mkdirp('/run/sshd', 0o755); // privilege separation directory
    run(BIN.sshd, ['-t', '-f', P.sshdConfig]);
    // sshd daemonizes: the foreground process exits once the listener is forked off.
    const fd = fs.openSync(P.sshdLog, 'a', 0o600);
    fs.closeSync(fd);
    run(BIN.sshd, ['-f', P.sshdConfig, '-E', P.sshdLog], {
      env: DAEMON_ENV,
      timeout: 30_000,
    });
    try {
      await waitFor('sshd did not write its pid file', () => isOurs(readPidFile(P.sshdPid), P.sshdConfig), {
        timeoutMs: 10_000,
      });
      await waitFor('sshd does not answer', async () => (await sshBanner(port)) !== null, { timeoutMs: 10_000 });
    } catch (e) {
      fail(`${e.message}\n  sshd log: ${P.sshdLog}\n${tailLog(P.sshdLog)}`);
    }
    pid = readPidFile(P.sshdPid);
    started = true;
  }
  const hostPub = readText(`${P.hostKey}.pub`).trim().split(/\s+/).slice(0, 2).join(' ');
  fs.writeFileSync(P.knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`, {
    mode: 0o600,
  });
  return { pid, port, started };
}

// ---------------------------------------------------------------------------------------------
// Status / health
// ---------------------------------------------------------------------------------------------

async function componentStatus(state) {
  const regPort = Number(state?.registry?.address?.split(':')[1]) || registryPortFromConfig();
  const sshPort = state?.ssh?.port ?? sshdPortFromConfig();
  const pid = (name, file) => state?.pids?.[name] ?? readPidFile(file);
  const dockerdPid = pid('dockerd', P.dockerPid);
  const registryPid = pid('registry', P.registryPid);
  const sshdPid = pid('sshd', P.sshdPid);
  const [dOk, rOk, sOk] = await Promise.all([
    isOurs(dockerdPid, P.dockerData) ? dockerPing() : false,
    isOurs(registryPid, P.registryConfig) && regPort ? registryPing(regPort) : false,
    isOurs(sshdPid, P.sshdConfig) && sshPort ? sshBanner(sshPort).then(Boolean) : false,
  ]);
  const row = (name, p, marker, ok, addr) => ({
    name,
    pid: p,
    alive: isOurs(p, marker),
    healthy: ok,
    address: addr,
  });
  return [
    row('dockerd', dockerdPid, P.dockerData, dOk, `unix://${P.dockerSock}`),
    row('registry', registryPid, P.registryConfig, rOk, regPort ? `127.0.0.1:${regPort}` : '-'),
    row('sshd', sshdPid, P.sshdConfig, sOk, sshPort ? `127.0.0.1:${sshPort} (user ${USER})` : '-'),
  ];
}

function printStatus(rows, state) {
  console.log(`tomo testbed  (state ${path.relative(process.cwd(), STATE_FILE) || STATE_FILE})`);
  for (const r of rows) {
    const what = r.alive ? (r.healthy ? 'running' : 'NOT ANSWERING') : 'stopped';
    console.log(`  ${r.name.padEnd(9)} ${what.padEnd(13)} pid ${String(r.pid ?? '-').padEnd(8)} ${r.address}`);
  }
  if (state?.images && rows.every((r) => r.alive && r.healthy)) {
    console.log(`  images    ${state.images.v1}  ${state.images.v2}`);
  }
}

async function status() {
  const state = readState();
  const rows = await componentStatus(state);
  printStatus(rows, state);
  return rows.every((r) => r.alive && r.healthy) ? 0 : 3;
}

// ---------------------------------------------------------------------------------------------
// up / down
// ---------------------------------------------------------------------------------------------

async function up() {
  const t0 = Date.now();
  const prev = readState();

  // Warm path: everything recorded is ours, alive and answering -> only report.
  if (prev?.status === 'up') {
    const rows = await componentStatus(prev);
    const regPort = Number(prev.registry?.address?.split(':')[1]);
    if (
      prev.ssh?.username === USER &&
      rows.every((r) => r.alive && r.healthy) &&
      prev.pids.dockerd === readPidFile(P.dockerPid) &&
      prev.pids.sshd === readPidFile(P.sshdPid) &&
      (await registryHasTag(regPort, '1')) &&
      (await registryHasTag(regPort, '2'))
    ) {
      printStatus(rows, prev);
      console.log(`testbed: already up (checked in ${Date.now() - t0} ms)`);
      return 0;
    }
  }

  ensurePackages();
  if (!isRoot) {
    console.error('testbed: `up` must run as root (it manages a user, dockerd and sshd)');
    return 1;
  }
  mkdirp(STATE_DIR, 0o700);
  ensureGroup();
  ensureUser();

  const dockerdPid = await ensureDockerd();
  const registry = await ensureRegistry();
  const images = await ensureImages(registry.port);
  const { password, passphrase } = ensureCredentials();
  const sshd = await ensureSshd();
  if (sshd.started || prev?.status !== 'up') verifySshLogin(sshd.port);

  const state = {
    status: 'up',
    ssh: {
      host: '127.0.0.1',
      port: sshd.port,
      username: USER,
      password,
      privateKeyPath: P.clientKey,
      encryptedKeyPath: P.encryptedKey,
      passphrase,
      hostKeyFingerprint: hostKeyFingerprint(),
      hostKeyPath: `${P.hostKey}.pub`,
      knownHostsPath: P.knownHosts,
    },
    docker: { host: `unix://${P.dockerSock}` },
    registry: { address: `127.0.0.1:${registry.port}` },
    images,
    pids: { dockerd: dockerdPid, registry: registry.pid, sshd: sshd.pid },
    logs: { dockerd: P.dockerLog, registry: P.registryLog, sshd: P.sshdLog },
    stateDir: STATE_DIR,
    startedAt: prev?.status === 'up' && prev.startedAt ? prev.startedAt : new Date().toISOString(),
  };
  writeState(state);
  const rows = await componentStatus(state);
  printStatus(rows, state);
  console.log(`testbed: up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return rows.every((r) => r.alive && r.healthy) ? 0 : 1;
}

/** SIGTERM, wait, SIGKILL -- only if `pid` is still verifiably ours. */
async function stopPid(name, pid, marker, timeoutMs) {
  if (!isOurs(pid, marker)) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurs(pid, marker)) return true;
    await sleep(100);
  }
  console.log(`testbed: ${name} (pid ${pid}) ignored SIGTERM for ${timeoutMs / 1000} s, sending SIGKILL`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  for (let i = 0; i < 50 && pidAlive(pid) && isOurs(pid, marker); i++) await sleep(100);
  return true;
}

/**
 * dockerd leaves mounts behind that it made under OUR paths only: the self bind mount of the
 * data root (shared propagation; left over when dockerd was ever killed hard) and the host netns
 * file exec-root/netns/default. Left alone they make `rm -rf tmp` fail with EBUSY. Only called
 * once our dockerd and containerd are gone; a later `up` recreates what it needs.
 */
function unmountLeftovers() {
  const txt = readText('/proc/self/mountinfo') ?? '';
  const unescape = (s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  const points = txt
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter(Boolean)
    .map(unescape)
    .filter((mp) => mp === P.dockerData || mp.startsWith(`${P.dockerData}/`) || mp.startsWith(`${RUN_DIR}/`));
  // Deepest first; a path mounted twice appears twice (and is unmounted twice).
  points.sort((a, b) => b.length - a.length);
  for (const mp of points) {
    const res = run('umount', [mp], { check: false });
    if (res.code !== 0) run('umount', ['-l', mp], { check: false });
  }
  if (points.length) console.log(`  mounts    unmounted ${points.length} leftover mount(s) of dockerd`);
}

async function down() {
  const state = readState();
  const pidsOf = (name, file) => [...new Set([state?.pids?.[name], readPidFile(file)].filter(Boolean))];
  const plan = [
    ['sshd', pidsOf('sshd', P.sshdPid), P.sshdConfig, 10_000],
    ['registry', pidsOf('registry', P.registryPid), P.registryConfig, 10_000],
    // dockerd stops its containers (10 s grace each) and its managed containerd on SIGTERM.
    ['dockerd', pidsOf('dockerd', P.dockerPid), P.dockerData, 45_000],
  ];
  for (const [name, pids, marker, timeout] of plan) {
    const ours = pids.filter((p) => isOurs(p, marker));
    if (ours.length === 0) {
      console.log(`  ${name.padEnd(9)} not running`);
      continue;
    }
    for (const pid of ours) {
      await stopPid(name, pid, marker, timeout);
      console.log(`  ${name.padEnd(9)} stopped (pid ${pid})`);
    }
  }
  // If dockerd had to be killed, the containerd it started may linger: it is ours too.
  const ctdPidFile = path.join(P.execRoot, 'containerd', 'containerd.pid');
  const ctdPid = readPidFile(ctdPidFile);
  if (isOurs(ctdPid, P.execRoot)) {
    await stopPid('containerd', ctdPid, P.execRoot, 10_000);
    console.log(`  containerd stopped (pid ${ctdPid})`);
  }
  if (!isOurs(readPidFile(P.dockerPid), P.dockerData) && !isOurs(readPidFile(ctdPidFile), P.execRoot)) {
    unmountLeftovers();
  }
  fs.rmSync(P.registryPid, { force: true });
  if (state)
    writeState({
      ...state,
      status: 'down',
      stoppedAt: new Date().toISOString(),
    });
  console.log('testbed: down (data kept in tmp/testbed; `up` reuses it)');
  return 0;
}

// ---------------------------------------------------------------------------------------------

/**
 * Serializes `up`/`down` (e.g. several test runners calling `up` at once) with a Linux abstract
 * unix socket: binding it is atomic and the kernel releases it when the holder dies, so a crashed
 * run never leaves a stale lock. (libuv opens it close-on-exec: the daemons do not inherit it.)
 */
async function withLock(fn) {
  const name = `\0tomo-testbed-${HASH}.lock`;
  const deadline = Date.now() + 180_000;
  let server;
  let waiting = false;
  for (;;) {
    server = net.createServer();
    const got = await new Promise((resolve, reject) => {
      server.once('error', (e) => (e.code === 'EADDRINUSE' ? resolve(false) : reject(e)));
      server.listen(name, () => resolve(true));
    });
    if (got) break;
    if (!waiting) console.log('testbed: waiting for another testbed command to finish ...');
    waiting = true;
    if (Date.now() > deadline) fail('another testbed command has held the lock for 3 minutes');
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    server.close();
  }
}

async function main() {
  const cmd = process.argv[2];
  switch (cmd) {
    case 'up':
      if (!isRoot) return up(); // reports what is missing / that root is needed
      return withLock(up);
    case 'down':
      if (!isRoot) {
        console.error('testbed: `down` must run as root');
        return 1;
      }
      return withLock(down);
    case 'status':
      return status();
    default:
      console.error('usage: node tools/testbed/testbed.mjs up|down|status');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof TestbedError) console.error(`testbed: ${err.message}`);
    else console.error('testbed: unexpected error:', err);
    process.exit(1);
  },
);
