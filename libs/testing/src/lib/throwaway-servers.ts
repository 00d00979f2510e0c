import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestbedState } from './testbed';

/** A TCP port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The first line a loopback server sends after `greeting` (none: ''), or '' when nothing answers in 1 s. */
function firstLine(port: number, greeting?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    if (greeting) socket.once('connect', () => socket.write(greeting));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').split('\r\n')[0]);
    });
    socket.once('error', () => resolve(''));
    socket.once('timeout', () => {
      socket.destroy();
      resolve('');
    });
  });
}

async function waitUntil(
  what: string,
  child: ChildProcess,
  ready: () => Promise<boolean>,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await ready())) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what} did not start: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends a child the signal and waits until it has exited. */
async function end(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/**
 * A private `redis-server` (never the machine's): its own free loopback port and temp directory,
 * the same on every `start`, so a restart replays its AOF when `persistence` enables one. For
 * tests and runs that kill Redis.
 */
export class ThrowawayRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'tomo-redis-'));
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly persistence: readonly string[],
  ) {}

  /** @param persistence redis-server options, e.g. `['--appendonly', 'yes']`; default: none at all. */
  static async create(persistence: readonly string[] = ['--appendonly', 'no', '--save', '']): Promise<ThrowawayRedis> {
    return new ThrowawayRedis(await freePort(), persistence);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      '--logfile',
      'redis.log',
      ...this.persistence,
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    await waitUntil(
      'throwaway redis-server',
      child,
      async () => (await firstLine(this.port, 'PING\r\n')) === '+PONG',
      () => this.log(),
    );
  }

  /** SIGKILL: no shutdown save, as when the machine or the process dies. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    await end(child, 'SIGKILL');
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private log(): string {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8').slice(-2_000);
    } catch {
      return '(no log)';
    }
  }
}

/**
 * A private sshd: the testbed's sshd_config (same user, auth and Docker) on its own free port
 * with its own generated host keys, its own pid file and log. Never touches the shared
 * testbed's sshd or keys. `start(hostKey)` (re)starts it with key 'a' or 'b'.
 */
export class ThrowawaySshd {
  readonly dir = mkdtempSync(join(tmpdir(), 'tomo-sshd-'));
  private child: ChildProcess | null = null;

  private constructor(
    private readonly testbed: TestbedState,
    readonly port: number,
  ) {
    for (const name of ['a', 'b']) {
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        `throwaway-${name}`,
        '-f',
        join(this.dir, `host_key_${name}`),
      ]);
    }
  }

  static async create(testbed: TestbedState): Promise<ThrowawaySshd> {
    return new ThrowawaySshd(testbed, await freePort());
  }

  fingerprint(key: 'a' | 'b'): string {
    return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(this.dir, `host_key_${key}.pub`)], {
      encoding: 'utf8',
    }).split(/\s+/)[1];
  }

  async start(key: 'a' | 'b'): Promise<void> {
    const base = readFileSync(join(this.testbed.stateDir, 'ssh', 'sshd_config'), 'utf8')
      .split('\n')
      .filter((line) => !/^(Port|HostKey|PidFile)\s/.test(line));
    const config = join(this.dir, `sshd_config_${key}`);
    writeFileSync(
      config,
      [
        `Port ${this.port}`,
        `HostKey ${join(this.dir, `host_key_${key}`)}`,
        `PidFile ${join(this.dir, 'sshd.pid')}`,
        ...base,
      ].join('\n'),
      { mode: 0o600 },
    );
    // -D: stays in the foreground, so this child is the listener.
    const child = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', join(this.dir, 'sshd.log')], { stdio: 'ignore' });
    this.child = child;
    await waitUntil(
      'throwaway sshd',
      child,
      async () => (await firstLine(this.port)).startsWith('SSH-'),
      () => readFileSync(join(this.dir, 'sshd.log'), 'utf8').slice(-2000),
    );
  }

  /**
   * Drops every open connection mid-command, as a network failure would: SIGKILL to the
   * listener's per-connection processes. The listener stays up. Returns how many were killed.
   */
  dropConnections(): number {
    const pid = this.child?.pid;
    if (!pid) return 0;
    let children: number[];
    try {
      children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      return 0; // pgrep exits 1 when there is none
    }
    let killed = 0;
    for (const child of children) {
      try {
        process.kill(child, 'SIGKILL');
        killed++;
      } catch {
        // It ended by itself meanwhile.
      }
    }
    return killed;
  }

  /**
   * Kills the listener and its connection processes, by pid. Each connection runs in a session of
   * its own (sshd calls setsid), so killing the process group would leave them open: the listener
   * is paused first (it forks no new one), then its children are killed, then it.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGSTOP');
      this.dropConnections();
    }
    this.child = null;
    await end(child, 'SIGKILL');
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
