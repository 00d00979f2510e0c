import type { RemoteCommandOptions, RemoteCommandResult } from '@tomo/ssh-keys';

/**
 * Commands on one server over its pooled SSH connection. The server row (address, user, pinned
 * key) is read once, when the session is opened: a step keeps one session for all its commands.
 */
export interface HostSession {
  /** Resolves with any exit status (non-zero included); rejects when the server cannot be reached. */
  run(argv: readonly string[], options?: RemoteCommandOptions): Promise<RemoteCommandResult>;
}

/**
 * What the deployment workflows need from the servers module: a session on a server and the
 * address people reach it at. An abstract class so that it is its own Nest token;
 * DeploymentsModule provides it from `ServerCommands` and `ServersService` of `@tomo/servers`.
 */
export abstract class DeploymentHosts {
  /** Opens (or reuses) the server's connection, host key checked. NOT_FOUND when the server does not exist. */
  abstract connect(serverId: string): Promise<HostSession>;

  /** The address in the server's record (for access URLs). NOT_FOUND when it does not exist. */
  abstract host(serverId: string): Promise<string>;
}
