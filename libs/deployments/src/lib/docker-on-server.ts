import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDefinition } from '@tomo/marketplace';
import { parseDf, parseMemInfo } from '@tomo/servers';
import { ErrorCode, TomoException } from '@tomo/shared';
import type { RemoteCommandResult } from '@tomo/ssh-keys';
import type { WorkflowContext } from '@tomo/workflows';
import {
  type ContainerSpec,
  dockerCreateCommand,
  pickProbeTool,
  probeArgs,
  type ProbeTool,
  LABEL_DEPLOYMENT,
} from './container-spec';
import type { DeploymentHosts, HostSession } from './deployment-hosts';
import {
  boundPorts,
  type InspectedContainer,
  isMissingImageError,
  type ListedContainer,
  parseContainerList,
  parseInspect,
  PS_FORMAT,
} from './server-facts';

const COMMAND_TIMEOUT_MS = 60_000;
const PULL_TIMEOUT_MS = 20 * 60_000;

/** The last non-empty line of a command's stderr (or stdout): what a person needs to see. */
function lastLine(result: RemoteCommandResult): string {
  const lines = (result.stderr.trim() || result.stdout.trim()).split('\n');
  return (lines[lines.length - 1] ?? '').trim() || `exit status ${result.exitCode ?? result.exitSignal}`;
}

/**
 * Docker on one server, through argument vectors only. Every method checks the exit status
 * and throws a TomoException whose code says whether another attempt can help.
 */
export class DockerOnServer {
  /** The server's session, opened by the first command: the server row is read once per step. */
  private session: Promise<HostSession> | null = null;

  constructor(
    private readonly hosts: DeploymentHosts,
    readonly serverId: string,
    private readonly io: Pick<WorkflowContext, 'signal' | 'log'>,
  ) {}

  async run(
    argv: readonly string[],
    options: { timeoutMs?: number; streamOutput?: boolean; stdin?: string } = {},
  ): Promise<RemoteCommandResult> {
    this.io.signal.throwIfAborted();
    const session = await this.connection();
    return session.run(argv, {
      signal: this.io.signal,
      timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS,
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.streamOutput ? { onOutput: (line: string) => line.trim() && this.io.log(line) } : {}),
    });
  }

  private connection(): Promise<HostSession> {
    // A failed open is not kept: the next command tries again.
    this.session ??= this.hosts.connect(this.serverId).catch((error: unknown) => {
      this.session = null;
      throw error;
    });
    return this.session;
  }

  /** Runs and throws on a non-zero exit (REMOTE_COMMAND_FAILED: retried by default). */
  async must(
    argv: readonly string[],
    what: string,
    options: { timeoutMs?: number; code?: ErrorCode } = {},
  ): Promise<RemoteCommandResult> {
    const result = await this.run(argv, options);
    if (result.exitCode !== 0)
      throw new TomoException(options.code ?? ErrorCode.RemoteCommandFailed, `${what} failed: ${lastLine(result)}`);
    return result;
  }

  async dockerReady(): Promise<{ version: string; arch: string }> {
    const result = await this.run(['docker', 'version', '--format', '{{.Server.Version}}\t{{.Server.Arch}}']);
    if (result.exitCode !== 0) {
      throw new TomoException(ErrorCode.RemoteCommandFailed, `Docker is not ready on the server: ${lastLine(result)}`);
    }
    const [version = '', arch = ''] = result.stdout.trim().split('\t');
    return { version, arch };
  }

  async inspect(name: string): Promise<InspectedContainer | null> {
    const result = await this.run(['docker', 'container', 'inspect', '--', name]);
    if (result.exitCode !== 0) {
      if (/no such (container|object)/i.test(result.stderr)) return null;
      throw new TomoException(ErrorCode.RemoteCommandFailed, `docker inspect ${name} failed: ${lastLine(result)}`);
    }
    return parseInspect(result.stdout);
  }

  /** Containers labelled with a deployment id (all of them when `deploymentId` is null). */
  async listManaged(deploymentId: string | null): Promise<ListedContainer[]> {
    const filter = deploymentId === null ? LABEL_DEPLOYMENT : `${LABEL_DEPLOYMENT}=${deploymentId}`;
    const result = await this.must(
      ['docker', 'ps', '--all', '--no-trunc', '--filter', `label=${filter}`, '--format', PS_FORMAT],
      'docker ps',
    );
    return parseContainerList(result.stdout);
  }

  async imageExists(image: string): Promise<boolean> {
    const result = await this.run(['docker', 'image', 'inspect', '--format', '{{.Id}}', '--', image]);
    return result.exitCode === 0;
  }

  /** `docker pull`, its progress on the timeline. A missing image or tag is permanent (NOT_FOUND). */
  async pull(image: string): Promise<void> {
    const result = await this.run(['docker', 'pull', '--', image], { timeoutMs: PULL_TIMEOUT_MS, streamOutput: true });
    if (result.exitCode === 0) return;
    const message = lastLine(result);
    if (isMissingImageError(result.stderr))
      throw new TomoException(ErrorCode.NotFound, `Image ${image} cannot be pulled: ${message}`);
    throw new TomoException(ErrorCode.ImagePullFailed, `docker pull ${image} failed: ${message}`);
  }

  async create(spec: ContainerSpec): Promise<string> {
    const { argv, stdin } = dockerCreateCommand(spec);
    const result = await this.run(argv, stdin === null ? {} : { stdin });
    if (result.exitCode !== 0) {
      const message = lastLine(result);
      if (/already in use/i.test(result.stderr))
        throw new TomoException(ErrorCode.Conflict, `Container name ${spec.name} is taken: ${message}`);
      if (/no such image|not found/i.test(result.stderr))
        throw new TomoException(ErrorCode.NotFound, `Cannot create ${spec.name}: ${message}`);
      throw new TomoException(ErrorCode.RemoteCommandFailed, `docker create ${spec.name} failed: ${message}`);
    }
    return result.stdout.trim().split('\n').pop() ?? '';
  }

  async start(name: string): Promise<void> {
    await this.must(['docker', 'start', '--', name], `docker start ${name}`);
  }

  async stop(name: string, timeoutSeconds = 10): Promise<void> {
    await this.must(['docker', 'stop', '--time', String(timeoutSeconds), '--', name], `docker stop ${name}`, {
      timeoutMs: (timeoutSeconds + 30) * 1000,
    });
  }

  async restart(name: string, timeoutSeconds = 10): Promise<void> {
    await this.must(['docker', 'restart', '--time', String(timeoutSeconds), '--', name], `docker restart ${name}`, {
      timeoutMs: (timeoutSeconds + 30) * 1000,
    });
  }

  /** Removes a container if it exists (force: a running one is killed). */
  async removeIfExists(name: string): Promise<boolean> {
    const result = await this.run(['docker', 'rm', '--force', '--volumes=false', '--', name]);
    if (result.exitCode === 0) return true;
    if (/no such container/i.test(result.stderr)) return false;
    throw new TomoException(ErrorCode.RemoteCommandFailed, `docker rm ${name} failed: ${lastLine(result)}`);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.must(['docker', 'rename', from, to], `docker rename ${from} ${to}`);
  }

  async logs(name: string, tail: number): Promise<string> {
    const result = await this.run(['docker', 'logs', '--tail', String(tail), '--timestamps', '--', name], {
      timeoutMs: 30_000,
    });
    if (result.exitCode !== 0)
      throw new TomoException(
        /no such container/i.test(result.stderr) ? ErrorCode.NotFound : ErrorCode.RemoteCommandFailed,
        `docker logs ${name} failed: ${lastLine(result)}`,
      );
    // docker logs writes the container's stderr to its stderr: interleave as the engine gives them.
    return [result.stdout, result.stderr].filter((part) => part.length > 0).join('\n');
  }

  /** `$HOME` of the SSH user (a fixed string in the command, no user data). */
  async homeDirectory(): Promise<string> {
    const result = await this.must(['printenv', 'HOME'], 'printenv HOME');
    const home = result.stdout.trim();
    if (!home.startsWith('/'))
      throw new TomoException(
        ErrorCode.RemoteCommandFailed,
        `The SSH user's HOME is not an absolute path (${home || 'empty'})`,
      );
    return home;
  }

  async pathExists(path: string): Promise<boolean> {
    return (await this.run(['test', '-e', path])).exitCode === 0;
  }

  async mkdir(path: string): Promise<void> {
    await this.must(['mkdir', '-p', '--', path], `mkdir ${path}`);
  }

  /**
   * Deletes a directory. Files a container created as root are not the SSH user's to delete;
   * then the deletion runs in a throwaway container of `image` that mounts the parent.
   */
  async removeDirectory(path: string, image: string): Promise<void> {
    const plain = await this.run(['rm', '-rf', '--', path]);
    if (plain.exitCode === 0) return;
    const slash = path.lastIndexOf('/');
    const parent = path.slice(0, slash) || '/';
    const base = path.slice(slash + 1);
    await this.must(
      [
        'docker',
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'rm',
        '--volume',
        `${parent}:/tomo-parent`,
        image,
        '-rf',
        '--',
        `/tomo-parent/${base}`,
      ],
      `removing ${path}`,
    );
  }

  async volumeExists(name: string): Promise<boolean> {
    return (await this.run(['docker', 'volume', 'inspect', '--', name])).exitCode === 0;
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    const args = ['docker', 'volume', 'create'];
    for (const [key, value] of Object.entries(labels)) args.push('--label', `${key}=${value}`);
    await this.must([...args, '--', name], `docker volume create ${name}`);
  }

  async removeVolume(name: string): Promise<boolean> {
    const result = await this.run(['docker', 'volume', 'rm', '--', name]);
    if (result.exitCode === 0) return true;
    if (/no such volume/i.test(result.stderr)) return false;
    throw new TomoException(ErrorCode.RemoteCommandFailed, `docker volume rm ${name} failed: ${lastLine(result)}`);
  }

  async volumesOf(deploymentId: string): Promise<string[]> {
    const result = await this.must(
      ['docker', 'volume', 'ls', '--quiet', '--filter', `label=${LABEL_DEPLOYMENT}=${deploymentId}`],
      'docker volume ls',
    );
    return result.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  }

  async networkExists(name: string): Promise<boolean> {
    return (await this.run(['docker', 'network', 'inspect', '--', name])).exitCode === 0;
  }

  async createNetwork(name: string): Promise<void> {
    await this.must(
      ['docker', 'network', 'create', '--label', 'tomo.managed=true', '--', name],
      `docker network create ${name}`,
    );
  }

  async boundPorts(): Promise<{ tcp: Set<number>; udp: Set<number> }> {
    const tcp = await this.run(['cat', '/proc/net/tcp', '/proc/net/tcp6']);
    const udp = await this.run(['cat', '/proc/net/udp', '/proc/net/udp6']);
    return { tcp: boundPorts(tcp.stdout, 'tcp'), udp: boundPorts(udp.stdout, 'udp') };
  }

  async availableMemory(): Promise<number | null> {
    const result = await this.run(['cat', '/proc/meminfo']);
    return result.exitCode === 0 ? (parseMemInfo(result.stdout)?.availableBytes ?? null) : null;
  }

  async availableDisk(path: string): Promise<number | null> {
    const result = await this.run(['df', '-Pk', '--', path]);
    return result.exitCode === 0 ? (parseDf(result.stdout)?.availableBytes ?? null) : null;
  }

  /**
   * Probes the app's health check until it passes `1` time or fails `retries + 1` times in a
   * row, `interval` apart (the first probe after a short grace). Also fails early when the
   * container stops. Throws with the last probe's error.
   */
  async waitHealthy(
    app: AppDefinition,
    target: { container: string; port: number | null; containerPort: number | null },
    options: { graceMs?: number } = {},
  ): Promise<string> {
    const check = app.healthcheck;
    const attempts = (check?.retries ?? 3) + 1;
    const intervalMs = Math.min(Math.max((check?.intervalSeconds ?? 5) * 1000, 500), 60_000);
    let tool: ProbeTool | null = null;
    if (check && target.port !== null) {
      const found = await this.run(['sh', '-c', 'command -v curl; command -v wget; command -v nc; true']);
      tool = pickProbeTool(check.protocol, found.stdout);
    }
    await sleep(options.graceMs ?? 500, undefined, { signal: this.io.signal });
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const state = await this.inspect(target.container);
      if (!state)
        throw new TomoException(
          ErrorCode.HealthCheckFailed,
          `Container ${target.container} disappeared during the health check`,
        );
      if (!state.running || state.restarting) {
        const logs = await this.logs(target.container, 20).catch(() => '');
        throw new TomoException(
          ErrorCode.HealthCheckFailed,
          `Container ${target.container} is not running (${state.status}, exit code ${state.exitCode})${logs ? `; its last output: ${logs.slice(-1500)}` : ''}`,
        );
      }
      if (!check || target.port === null || tool === null) {
        this.io.log(`No health check port: the container has been running for ${attempt} check(s)`);
        if (attempt >= 2) return 'running';
      } else {
        const argv = probeArgs(
          { check, port: target.port, container: target.container, containerPort: target.containerPort ?? target.port },
          tool,
        );
        const result = await this.run(argv, { timeoutMs: (check.timeoutSeconds + 10) * 1000 });
        const what =
          `${check.protocol.toUpperCase()} ${check.protocol === 'tcp' ? '' : (check.path ?? '/')} on port ${target.port} (${tool})`.replace(
            '  ',
            ' ',
          );
        if (result.exitCode === 0) {
          this.io.log(`Health check ${what}: healthy (probe ${attempt} of ${attempts})`);
          return 'healthy';
        }
        lastError = lastLine(result);
        this.io.log(`Health check ${what}: not healthy yet (probe ${attempt} of ${attempts}): ${lastError}`);
      }
      if (attempt < attempts) await sleep(intervalMs, undefined, { signal: this.io.signal });
    }
    throw new TomoException(
      ErrorCode.HealthCheckFailed,
      `Health check failed ${attempts} times in a row: ${lastError || 'no answer'}`,
    );
  }
}
