import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * What `npm run testbed -- up` (tools/testbed/testbed.mjs) writes to `<root>/tmp/testbed/state.json`.
 * All addresses are loopback; all paths are absolute.
 */
export interface TestbedState {
  /** `down` keeps the file but marks it so. */
  status: 'up' | 'down';
  ssh: {
    host: string;
    port: number;
    username: string;
    password: string;
    /** Unencrypted OpenSSH ed25519 private key (public key next to it with `.pub`). */
    privateKeyPath: string;
    /** Passphrase-protected OpenSSH ed25519 private key; its passphrase is `passphrase`. */
    encryptedKeyPath: string;
    passphrase: string;
    /** As `ssh-keygen -lf` prints it: `SHA256:` + unpadded base64 of the SHA-256 of the raw key. */
    hostKeyFingerprint: string;
    /** The server's public host key (`ssh-ed25519 AAAA... comment`). */
    hostKeyPath: string;
    /** A known_hosts file holding `[127.0.0.1]:<port> <host key>`. */
    knownHostsPath: string;
  };
  /** The isolated engine; sshd sessions get DOCKER_HOST set to this value. */
  docker: { host: string };
  /** Plain-HTTP registry `127.0.0.1:<port>` (loopback registries are insecure-allowed by Docker). */
  registry: { address: string };
  /** Two different busybox images in the registry (not present in the engine until pulled). */
  images: { v1: string; v2: string };
  pids: { dockerd: number; registry: number; sshd: number };
  logs: { dockerd: string; registry: string; sshd: string };
  stateDir: string;
  startedAt: string;
  stoppedAt?: string;
}

const NOT_UP = 'testbed is not up: run `npm run testbed -- up`';

/** The workspace root: the nearest directory at or above `start` that holds `nx.json`. */
function findRoot(start: string): string | null {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Path of the state file (`TOMO_TESTBED_STATE` overrides it). */
export function testbedStatePath(): string {
  const override = process.env['TOMO_TESTBED_STATE'];
  if (override) return resolve(override);
  const starts = typeof __dirname === 'string' ? [__dirname, process.cwd()] : [process.cwd()];
  for (const start of starts) {
    const root = findRoot(start);
    if (root) return join(root, 'tmp', 'testbed', 'state.json');
  }
  throw new Error(`${NOT_UP} (no nx.json found above ${starts.join(' or ')})`);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function section(obj: Json, key: string, file: string): Json {
  const value = obj[key];
  if (!isObject(value)) throw new Error(`testbed state ${file}: "${key}" is missing; re-run \`npm run testbed -- up\``);
  return value;
}

function str(obj: Json, key: string, where: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`testbed state: ${where}.${key} must be a non-empty string; re-run \`npm run testbed -- up\``);
  }
  return value;
}

function num(obj: Json, key: string, where: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`testbed state: ${where}.${key} must be a positive integer; re-run \`npm run testbed -- up\``);
  }
  return value;
}

/**
 * Reads and validates the testbed state. Throws "testbed is not up: run `npm run testbed -- up`"
 * when the file is missing or the testbed was taken down.
 */
export function readTestbed(): TestbedState {
  const file = testbedStatePath();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = isObject(err) ? err['code'] : undefined;
    if (code === 'ENOENT') throw new Error(`${NOT_UP} (${file} does not exist)`);
    throw new Error(`${NOT_UP} (cannot read ${file}: ${String(err)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${NOT_UP} (${file} is not valid JSON: ${String(err)})`);
  }
  if (!isObject(parsed)) throw new Error(`${NOT_UP} (${file} is not a JSON object)`);
  if (parsed['status'] !== 'up') throw new Error(`${NOT_UP} (${file} says it is ${String(parsed['status'])})`);

  const ssh = section(parsed, 'ssh', file);
  const docker = section(parsed, 'docker', file);
  const registry = section(parsed, 'registry', file);
  const images = section(parsed, 'images', file);
  const pids = section(parsed, 'pids', file);
  const logs = section(parsed, 'logs', file);
  const stoppedAt = parsed['stoppedAt'];

  return {
    status: 'up',
    ssh: {
      host: str(ssh, 'host', 'ssh'),
      port: num(ssh, 'port', 'ssh'),
      username: str(ssh, 'username', 'ssh'),
      password: str(ssh, 'password', 'ssh'),
      privateKeyPath: str(ssh, 'privateKeyPath', 'ssh'),
      encryptedKeyPath: str(ssh, 'encryptedKeyPath', 'ssh'),
      passphrase: str(ssh, 'passphrase', 'ssh'),
      hostKeyFingerprint: str(ssh, 'hostKeyFingerprint', 'ssh'),
      hostKeyPath: str(ssh, 'hostKeyPath', 'ssh'),
      knownHostsPath: str(ssh, 'knownHostsPath', 'ssh'),
    },
    docker: { host: str(docker, 'host', 'docker') },
    registry: { address: str(registry, 'address', 'registry') },
    images: {
      v1: str(images, 'v1', 'images'),
      v2: str(images, 'v2', 'images'),
    },
    pids: {
      dockerd: num(pids, 'dockerd', 'pids'),
      registry: num(pids, 'registry', 'pids'),
      sshd: num(pids, 'sshd', 'pids'),
    },
    logs: {
      dockerd: str(logs, 'dockerd', 'logs'),
      registry: str(logs, 'registry', 'logs'),
      sshd: str(logs, 'sshd', 'logs'),
    },
    stateDir: str(parsed, 'stateDir', 'state'),
    startedAt: str(parsed, 'startedAt', 'state'),
    ...(typeof stoppedAt === 'string' ? { stoppedAt } : {}),
  };
}
