import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DynamicModule,
  Injectable,
  Module,
} from '@nestjs/common';
import { TomoConfigModule, type WorkerConfig } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { ServerShell, ServersWorkerModule } from '@tomo/servers';
import { JobKind } from '@tomo/shared';
import type { TestbedState } from '@tomo/testing';
import {
  DefinesWorkflows,
  defineWorkflow,
  type WorkflowSource,
  WorkflowsModule,
  WorkflowWorkerModule,
} from '@tomo/workflows';

/** A test-only workflow: one step running `sleep <seconds>` on the job's server through ServerShell. */
export const REMOTE_SLEEP_KIND = 'test.servers.remote-sleep';

@DefinesWorkflows()
@Injectable()
class RemoteSleepWorkflow implements WorkflowSource {
  constructor(private readonly shell: ServerShell) {}

  workflows() {
    const workflow = defineWorkflow({ kind: REMOTE_SLEEP_KIND });
    workflow.step('sleep', {
      retry: { maxAttempts: 1 },
      run: async (ctx) =>
        this.shell.run(
          ctx.serverId ?? '',
          ['sleep', String(ctx.input['seconds'])],
          { signal: ctx.signal },
        ),
    });
    return [workflow];
  }
}

/** An in-process worker with the servers workflows (and the remote-sleep test workflow). */
@Module({})
export class ServersTestWorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: ServersTestWorkerModule,
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-servers-test-worker'),
        SecretsModule,
        ServersWorkerModule,
        WorkflowsModule,
        WorkflowWorkerModule.forRoot({
          kinds: [
            JobKind.SystemPing,
            JobKind.MaintenancePruneJobs,
            JobKind.ServerTestConnection,
            JobKind.MaintenanceCollectServerMetrics,
            REMOTE_SLEEP_KIND,
          ],
          schedulePruning: false,
          lockRetryMs: 300,
        }),
      ],
      providers: [RemoteSleepWorkflow],
    };
  }
}

/** A TCP port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function bannerOf(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * A private sshd for one test: the testbed's sshd_config (same user, auth and Docker) on its
 * own free port with its own generated host keys, its own pid file and log. Never touches
 * the shared testbed's sshd or keys. `start(hostKey)` (re)starts it with key 'a' or 'b'.
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
    return execFileSync(
      'ssh-keygen',
      ['-l', '-E', 'sha256', '-f', join(this.dir, `host_key_${key}.pub`)],
      { encoding: 'utf8' },
    ).split(/\s+/)[1];
  }

  async start(key: 'a' | 'b'): Promise<void> {
    const base = readFileSync(
      join(this.testbed.stateDir, 'ssh', 'sshd_config'),
      'utf8',
    )
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
    // -D: stays in the foreground, so this child is the listener; detached: its own process group.
    this.child = spawn(
      '/usr/sbin/sshd',
      ['-D', '-f', config, '-E', join(this.dir, 'sshd.log')],
      { stdio: 'ignore', detached: true },
    );
    const deadline = Date.now() + 10_000;
    while (!(await bannerOf(this.port))) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(
          `throwaway sshd did not start: ${readFileSync(join(this.dir, 'sshd.log'), 'utf8').slice(-2000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kills the listener and its connection processes (its process group), by pid. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
