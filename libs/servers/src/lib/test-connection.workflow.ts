import { ErrorCode, JobKind, meansServerOffline, TomoException } from '@tomo/shared';
import { defineWorkflow, type WorkflowContext } from '@tomo/workflows';
import {
  classifyDockerServerCheck,
  type DockerAccess,
  type DiskUsage,
  formatBytes,
  type MemInfo,
  type OsFacts,
  parseCpuCount,
  parseDf,
  parseDockerClientVersion,
  parseMemInfo,
  parseOsFacts,
} from './server-facts';
import type { ServerCommands } from './server-commands';
import { ServerStatus } from './server-status';
import type { ServersService } from './servers.service';

declare module '@tomo/workflows' {
  interface JobInputs {
    /** The server is the job's serverId. */
    [JobKind.ServerTestConnection]: Record<string, never>;
  }
}

/** Attempts of the connect step: unreachable servers are retried with backoff (≈1, 2, 4 s) before OFFLINE. */
export const CONNECT_ATTEMPTS = 4;
const COMMAND_TIMEOUT_MS = 30_000;

export interface TestConnectionDeps {
  servers: ServersService;
  /** The worker's shell (a getter: the API registers the same definition without one). */
  shell: () => ServerCommands;
}

function serverIdOf(ctx: Pick<WorkflowContext, 'serverId'>): string {
  if (!ctx.serverId)
    throw new TomoException(ErrorCode.BadUserInput, 'A connection test needs the server id (job serverId)');
  return ctx.serverId;
}

/**
 * Tests a server's connection and records what it found: connect (host key verified during
 * the handshake, pinned on first use), verify host key, OS/arch/kernel, CPUs, memory, disk,
 * Docker presence and version, Docker permission; the last step writes the facts and status.
 * A failed connect sets AUTH_FAILED or HOST_KEY_MISMATCH at once (permanent), or OFFLINE
 * after the last attempt.
 */
export function testConnectionWorkflow({ servers, shell }: TestConnectionDeps) {
  const run = async (ctx: WorkflowContext, argv: string[]) => {
    const result = await shell().run(serverIdOf(ctx), argv, {
      signal: ctx.signal,
      timeoutMs: COMMAND_TIMEOUT_MS,
    });
    return result;
  };

  const workflow = defineWorkflow({ kind: JobKind.ServerTestConnection });
  const connect = workflow.step('connect', {
    retry: {
      maxAttempts: CONNECT_ATTEMPTS,
      initialDelayMs: 1_000,
      maxDelayMs: 8_000,
    },
    timeoutMs: 45_000,
    run: async (ctx) => {
      const serverId = serverIdOf(ctx);
      const server = await servers.get(serverId);
      ctx.log(
        `Connecting to ${server.username}@${server.host}:${server.port} (attempt ${ctx.attempt} of ${CONNECT_ATTEMPTS})`,
      );
      try {
        const session = await shell().connect(serverId);
        ctx.log(`Connected; the server presented host key ${session.hostKeyFingerprint}`);
        return {
          hostKeyFingerprint: session.hostKeyFingerprint,
          firstUse: session.firstUse,
        };
      } catch (error) {
        await recordConnectFailure(servers, serverId, error, ctx.attempt >= CONNECT_ATTEMPTS);
        throw error;
      }
    },
  });
  workflow.step('verify-host-key', {
    retry: { maxAttempts: 1 },
    run: async (ctx) => {
      const { hostKeyFingerprint, firstUse } = ctx.output(connect);
      if (!(await servers.isPinned(serverIdOf(ctx), hostKeyFingerprint))) {
        throw new TomoException(
          ErrorCode.HostKeyMismatch,
          `The pinned host key changed while connecting; the server presented ${hostKeyFingerprint}`,
        );
      }
      ctx.log(
        firstUse
          ? `Pinned host key ${hostKeyFingerprint} (first connection)`
          : `Host key matches the pinned ${hostKeyFingerprint}`,
      );
      return { hostKeyFingerprint, pinnedNow: firstUse };
    },
  });
  const os = workflow.step('detect-os', {
    run: async (ctx): Promise<OsFacts> => {
      const uname = await run(ctx, ['uname', '-s', '-r', '-m']);
      if (uname.exitCode !== 0)
        throw new TomoException(
          ErrorCode.BadUserInput,
          `uname failed (exit ${uname.exitCode}): ${uname.stderr.trim().slice(0, 200)}`,
        );
      const osRelease = await run(ctx, ['cat', '/etc/os-release']);
      const facts = parseOsFacts(uname.stdout, osRelease.exitCode === 0 ? osRelease.stdout : '');
      ctx.log(`${facts.os}, kernel ${facts.kernel ?? '?'}, ${facts.arch ?? '?'}`);
      return facts;
    },
  });
  const cpu = workflow.step('detect-cpu', {
    run: async (ctx) => {
      let result = await run(ctx, ['getconf', '_NPROCESSORS_ONLN']);
      if (result.exitCode !== 0) result = await run(ctx, ['nproc']);
      const cpuCount = result.exitCode === 0 ? parseCpuCount(result.stdout) : null;
      ctx.log(cpuCount === null ? 'CPU count unknown' : `${cpuCount} CPU(s)`);
      return { cpuCount };
    },
  });
  const memory = workflow.step('detect-memory', {
    run: async (ctx) => {
      const result = await run(ctx, ['cat', '/proc/meminfo']);
      const memory: MemInfo | null = result.exitCode === 0 ? parseMemInfo(result.stdout) : null;
      ctx.log(memory ? `${formatBytes(memory.totalBytes)} memory` : 'Memory unknown (no /proc/meminfo)');
      return { memoryBytes: memory?.totalBytes ?? null };
    },
  });
  const disk = workflow.step('detect-disk', {
    run: async (ctx) => {
      const result = await run(ctx, ['df', '-Pk', '/']);
      const disk: DiskUsage | null = result.exitCode === 0 ? parseDf(result.stdout) : null;
      ctx.log(
        disk ? `${formatBytes(disk.totalBytes)} disk on / (${formatBytes(disk.usedBytes)} used)` : 'Disk size unknown',
      );
      return { diskBytes: disk?.totalBytes ?? null };
    },
  });
  const docker = workflow.step('detect-docker', {
    run: async (ctx) => {
      const result = await run(ctx, ['docker', '--version']);
      const clientVersion = result.exitCode === 0 ? parseDockerClientVersion(result.stdout) : null;
      ctx.log(clientVersion ? `Docker ${clientVersion} is installed` : 'Docker is not installed (no docker command)');
      return { installed: clientVersion !== null, clientVersion };
    },
  });
  const permission = workflow.step('check-docker-permission', {
    run: async (ctx) => {
      if (!ctx.output(docker).installed) return ctx.skip('Docker is not installed');
      const result = await run(ctx, ['docker', 'version', '--format', '{{.Server.Version}}']);
      const access = classifyDockerServerCheck(result.exitCode, result.stdout, result.stderr);
      ctx.log(
        access.accessible
          ? `The Docker engine ${access.serverVersion} answers this user`
          : `The Docker engine is not usable: ${access.reason} (${access.detail})`,
      );
      return access;
    },
  });
  workflow.step('record-status', {
    retry: { maxAttempts: 5 },
    run: async (ctx) => {
      const serverId = serverIdOf(ctx);
      const facts = ctx.output(os);
      const { installed, clientVersion } = ctx.output(docker);
      const access = ctx.output(permission) ?? null;
      const server = await servers.get(serverId);
      const { status, message } = dockerStatus(server.username, installed, access);
      const now = new Date();
      const recorded = {
        status,
        statusMessage: message,
        os: facts.os,
        arch: facts.arch,
        kernel: facts.kernel,
        cpuCount: ctx.output(cpu).cpuCount,
        memoryBytes: ctx.output(memory).memoryBytes,
        diskBytes: ctx.output(disk).diskBytes,
        dockerVersion: access?.accessible ? access.serverVersion : clientVersion,
        dockerAccessible: access ? access.accessible : null,
        presentedHostKeyFingerprint: null,
        lastSeenAt: now,
        lastCheckedAt: now,
      };
      await servers.recordStatus(serverId, recorded);
      ctx.log(`Status ${status}${message ? `: ${message}` : ''}`);
      return {
        ...recorded,
        hostKeyFingerprint: ctx.output(connect).hostKeyFingerprint,
      };
    },
  });
  return workflow;
}

function dockerStatus(
  username: string,
  installed: boolean,
  access: DockerAccess | null,
): { status: ServerStatus; message: string | null } {
  if (!installed)
    return {
      status: ServerStatus.NoDocker,
      message: 'Docker is not installed (no docker command in the PATH)',
    };
  if (!access)
    return {
      status: ServerStatus.NoDocker,
      message: 'Docker could not be checked',
    };
  if (access.accessible) return { status: ServerStatus.Online, message: null };
  switch (access.reason) {
    case 'permission-denied':
      return {
        status: ServerStatus.NoDocker,
        message: `User ${username} may not use the Docker engine (permission denied): add it to the docker group`,
      };
    case 'daemon-unreachable':
      return {
        status: ServerStatus.NoDocker,
        message: `The Docker engine is not running or not reachable: ${access.detail}`,
      };
    case 'not-installed':
      return {
        status: ServerStatus.NoDocker,
        message: 'Docker is not installed',
      };
    case 'error':
      return {
        status: ServerStatus.NoDocker,
        message: `Docker failed: ${access.detail}`,
      };
  }
}

/** The status a failed connection leaves: permanent failures at once, unreachable only after the last attempt. */
async function recordConnectFailure(
  servers: ServersService,
  serverId: string,
  error: unknown,
  lastAttempt: boolean,
): Promise<void> {
  if (!(error instanceof TomoException)) return;
  const now = new Date();
  switch (error.code) {
    case ErrorCode.SshAuthFailed:
      await servers.recordStatus(serverId, {
        status: ServerStatus.AuthFailed,
        statusMessage: error.message,
        lastCheckedAt: now,
      });
      return;
    case ErrorCode.HostKeyMismatch:
      return; // ServerShell recorded it, with the presented key.
    default:
      if (lastAttempt && meansServerOffline(error)) {
        await servers.recordStatus(serverId, {
          status: ServerStatus.Offline,
          statusMessage: error.message,
          lastCheckedAt: now,
        });
      }
  }
}
