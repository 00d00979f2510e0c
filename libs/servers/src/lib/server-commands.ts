import { ErrorCode, TomoException } from '@tomo/shared';
import type { RemoteCommandOptions, RemoteCommandResult } from '@tomo/ssh-keys';

/** A session on a server's pooled connection, host key checked. */
export interface ServerSession {
  readonly hostKeyFingerprint: string;
  /** True when this connection pinned the host key (none was pinned before). */
  readonly firstUse: boolean;
  /** Resolves with any exit status (non-zero included); rejects when the server cannot be reached. */
  run(argv: readonly string[], options?: RemoteCommandOptions): Promise<RemoteCommandResult>;
}

/**
 * Commands on managed servers, for workflow steps. Declared here, implemented by `ServerShell`
 * of @tomo/server-shell, which only the worker loads (ServerShellModule): the API registers the
 * same workflows but opens no connection and decrypts no credential. An abstract class so that
 * it is its own Nest token.
 */
export abstract class ServerCommands {
  /** Runs an argument vector on the server; see `runRemoteCommand` of @tomo/ssh for the options. */
  abstract run(serverId: string, argv: readonly string[], options?: RemoteCommandOptions): Promise<RemoteCommandResult>;

  /** Opens (or reuses) the server's connection, pinning the host key on first use. NOT_FOUND when the server does not exist. */
  abstract connect(serverId: string): Promise<ServerSession>;
}

/** The process's ServerCommands (injected optionally), or the error saying why there is none. */
export function requireServerCommands(commands: ServerCommands | undefined): ServerCommands {
  if (!commands) {
    throw new TomoException(
      ErrorCode.Internal,
      'Commands on servers run only in the worker (import ServerShellModule of @tomo/server-shell)',
    );
  }
  return commands;
}
