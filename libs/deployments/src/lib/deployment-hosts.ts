import type { OutputStream, RemoteCommandResult } from '@tomo/ssh';

export interface HostRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onOutput?: (line: string, stream: OutputStream) => void;
  stdin?: string;
}

/**
 * What the deployment workflows need from the servers module: run an argument vector on a
 * server (over its pooled SSH connection) and know the address people reach it at. An abstract
 * class so that it is its own Nest token; DeploymentWorkflowsModule provides it from
 * `ServerShell` and `ServersService` of `@tomo/servers`.
 */
export abstract class DeploymentHosts {
  /** Resolves with any exit status (non-zero included); rejects when the server cannot be reached. */
  abstract run(serverId: string, argv: readonly string[], options?: HostRunOptions): Promise<RemoteCommandResult>;

  /** The address in the server's record (for access URLs). NOT_FOUND when it does not exist. */
  abstract host(serverId: string): Promise<string>;
}
