import { ErrorCode, TomoException } from '@tomo/shared';
import type { Client, ClientChannel } from 'ssh2';
import { normalizeFingerprint, type RemoteCommandOptions, type RemoteCommandResult } from '@tomo/ssh-keys';
import { runRemoteCommand, type ExecChannelOpener } from './remote-command';
import { ChannelSlots, OPENSSH_MAX_SESSIONS } from './ssh-channel-slots';
import { connectionLostException } from './ssh-errors';
import { endClient, execOn, PooledServer, type SshServerTarget } from './ssh-server-connection';

export type { SshCredentials, SshCredentialsProvider } from './ssh-auth-plan';
export type { SshServerTarget } from './ssh-server-connection';

export interface SshPoolOptions {
  /** Channels open at once per server; more wait in a queue. Default 8 (OpenSSH allows 10). */
  maxChannelsPerConnection?: number;
  /** A connection with no channel for this long is closed. Default 60 s. */
  idleTimeoutMs?: number;
  /** SSH-level keepalive; 3 unanswered keepalives drop the connection. Default 15 s. */
  keepaliveIntervalMs?: number;
  /** TCP connect + handshake + authentication limit. Default 20 s. */
  readyTimeoutMs?: number;
  /** Optional diagnostics sink (never receives secrets). */
  log?: (message: string) => void;
}

export interface SshServerStats {
  /** Connections opened (handshakes completed) since the pool started. */
  connectionsOpened: number;
  connected: boolean;
  activeChannels: number;
  queuedChannels: number;
  hostKeyFingerprint: string | null;
}

/**
 * OpenSSH frees a session slot only once it has both seen the channel close and reaped the
 * child, so right after a close it may still count it and refuse the next open ("open
 * failed"). We retry: first after one of our channels closes, then with a growing delay.
 */
const OPEN_FAILURE_RETRIES = 5;
const OPEN_FAILURE_BACKOFF_MS = 20;

const DEFAULTS = {
  maxChannelsPerConnection: 8,
  idleTimeoutMs: 60_000,
  keepaliveIntervalMs: 15_000,
  readyTimeoutMs: 20_000,
};

/**
 * A server connection handed to callers: runs commands over the pooled connection, which
 * it re-establishes when it dropped. Cheap; create one per step if convenient.
 */
export class SshSession {
  constructor(
    private readonly pool: SshConnectionPool,
    readonly serverId: string,
    private readonly target: SshServerTarget,
    /** The key the server presented (`SHA256:…`). Persist it when `firstUse` is true. */
    readonly hostKeyFingerprint: string,
    /** True when the caller had no pinned fingerprint and this one was accepted on trust. */
    readonly firstUse: boolean,
  ) {}

  /** Runs a command given as an argument vector; see `runRemoteCommand`. */
  run(argv: readonly string[], options?: RemoteCommandOptions): Promise<RemoteCommandResult> {
    // Should the pool have closed the connection meanwhile (idle), reconnect with this key pinned.
    const pinned = {
      ...this.target,
      expectedFingerprint: this.target.expectedFingerprint ?? this.hostKeyFingerprint,
    };
    return this.pool.runOnServer(this.serverId, pinned, argv, options);
  }
}

/**
 * One SSH connection per server, shared by every step and job on that server; channels on it
 * are bounded and queued. See libs/ssh/README.md for the guarantees. The parts: credentials
 * and auth methods in ssh-auth-plan.ts, the channel limit in ssh-channel-slots.ts, opening and
 * closing a connection in ssh-server-connection.ts.
 */
export class SshConnectionPool {
  private readonly entries = new Map<string, PooledServer>();
  private readonly options: Required<Omit<SshPoolOptions, 'log'>> & Pick<SshPoolOptions, 'log'>;
  private closed = false;
  private totalConnections = 0;
  private channelWaitListener: ((seconds: number) => void) | null = null;

  constructor(options: SshPoolOptions = {}) {
    const max = options.maxChannelsPerConnection ?? DEFAULTS.maxChannelsPerConnection;
    if (!Number.isInteger(max) || max < 1 || max > OPENSSH_MAX_SESSIONS - 1) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `maxChannelsPerConnection must be an integer from 1 to ${OPENSSH_MAX_SESSIONS - 1} (OpenSSH allows ${OPENSSH_MAX_SESSIONS} sessions per connection)`,
      );
    }
    this.options = {
      maxChannelsPerConnection: max,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? DEFAULTS.keepaliveIntervalMs,
      readyTimeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
      log: options.log,
    };
  }

  /** Connections open now (all servers). */
  get openConnections(): number {
    let open = 0;
    for (const entry of this.entries.values()) if (entry.client) open++;
    return open;
  }

  /** Hears how long each channel waited for a free slot on its connection (metrics). */
  onChannelWait(listener: (seconds: number) => void): void {
    this.channelWaitListener = listener;
  }

  /** Connections opened since the pool was created (all servers). */
  get connectionsOpened(): number {
    return this.totalConnections;
  }

  /**
   * Returns a session on the server's pooled connection, opening (and authenticating) it
   * when there is none or it dropped. Verifies the host key against `expectedFingerprint`:
   * a mismatch throws HOST_KEY_MISMATCH and leaves nothing cached.
   */
  async connect(serverId: string, target: SshServerTarget): Promise<SshSession> {
    this.assertOpen();
    const expected = target.expectedFingerprint === null ? null : normalizeFingerprint(target.expectedFingerprint);
    const normalized: SshServerTarget = {
      ...target,
      expectedFingerprint: expected,
    };
    let entry = this.entries.get(serverId);
    if (entry && (!entry.sameEndpoint(normalized) || entry.pinChanged(expected))) {
      // The server was edited (address, user or pinned key): the old connection is not it.
      this.retire(entry);
      entry = undefined;
    }
    if (!entry) {
      entry = new PooledServer(serverId, normalized, new ChannelSlots(this.options.maxChannelsPerConnection), {
        ...this.options,
        poolClosed: () => this.closed,
        onConnected: () => this.totalConnections++,
      });
      this.entries.set(serverId, entry);
    } else {
      // Newest credentials provider wins for future reconnects.
      entry.target = normalized;
      entry.callerPin = expected;
      if (expected !== null) entry.pinned = expected;
    }
    await entry.ensureConnected();
    const seen = entry.fingerprint ?? '';
    this.armIdle(entry);
    return new SshSession(this, serverId, normalized, seen, expected === null);
  }

  /** `connect` + `run` in one call. */
  async run(
    serverId: string,
    target: SshServerTarget,
    argv: readonly string[],
    options?: RemoteCommandOptions,
  ): Promise<RemoteCommandResult> {
    const session = await this.connect(serverId, target);
    return session.run(argv, options);
  }

  /** Used by SshSession: runs on the server's entry, re-creating it if the pool dropped it. */
  async runOnServer(
    serverId: string,
    target: SshServerTarget,
    argv: readonly string[],
    options?: RemoteCommandOptions,
  ): Promise<RemoteCommandResult> {
    this.assertOpen();
    let entry = this.entries.get(serverId);
    if (!entry) {
      await this.connect(serverId, target);
      entry = this.entries.get(serverId);
      if (!entry)
        throw new TomoException(ErrorCode.ServerUnreachable, `The connection to server ${serverId} was closed`);
    }
    return runRemoteCommand(this.openerFor(entry), argv, options);
  }

  stats(serverId: string): SshServerStats {
    const entry = this.entries.get(serverId);
    return {
      connectionsOpened: entry?.connectionsOpened ?? 0,
      connected: entry?.client != null,
      activeChannels: entry?.slots.active ?? 0,
      queuedChannels: entry?.slots.queued ?? 0,
      hostKeyFingerprint: entry?.fingerprint ?? null,
    };
  }

  /** Closes a server's connection (after its running commands finish), e.g. when it was deleted or edited. */
  closeServer(serverId: string): void {
    const entry = this.entries.get(serverId);
    if (entry) this.retire(entry);
  }

  /** Closes every connection; channels still open are closed with them. */
  async close(): Promise<void> {
    this.closed = true;
    const clients: Client[] = [];
    for (const entry of this.entries.values()) {
      const client = entry.shutdown();
      if (client) clients.push(client);
    }
    this.entries.clear();
    await Promise.all(clients.map((c) => endClient(c)));
  }

  private assertOpen(): void {
    // Only at shutdown: the step is retried by the next worker.
    if (this.closed) throw new TomoException(ErrorCode.Unavailable, 'The SSH connection pool is closed');
  }

  private openerFor(entry: PooledServer): ExecChannelOpener {
    return {
      openExec: (command, { urgent }) => this.openExec(entry, command, urgent),
      lostConnectionError: (detail) => connectionLostException(entry.endpoint, detail),
    };
  }

  private async openExec(entry: PooledServer, command: string, urgent: boolean): Promise<ClientChannel> {
    await this.acquireSlot(entry, urgent);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      entry.slots.release();
      this.armIdle(entry);
    };
    try {
      let openFailures = 0;
      let retriedDrop = false;
      for (;;) {
        this.assertOpen();
        const client = await entry.ensureConnected();
        try {
          const channel = await execOn(client, command);
          channel.once('close', release);
          return channel;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (/Channel open failure/i.test(message) && openFailures < OPEN_FAILURE_RETRIES) {
            openFailures++;
            this.options.log?.(`ssh ${entry.serverId}: ${message}; retry ${openFailures}`);
            const backoff = OPEN_FAILURE_BACKOFF_MS * 2 ** (openFailures - 1);
            if (openFailures === 1 && entry.slots.active > 1) await entry.slots.nextChannelClose(backoff * 10);
            else await delay(backoff);
            continue;
          }
          if (/Not connected|No response from server/i.test(message) && !retriedDrop) {
            // The connection died between our check and the open: reconnect once.
            retriedDrop = true;
            entry.forgetClient(client);
            continue;
          }
          if (/Not connected|No response from server/i.test(message)) {
            throw connectionLostException(entry.endpoint, message);
          }
          throw new TomoException(
            ErrorCode.ServerUnreachable,
            `Cannot start a command on ${entry.endpoint.host}:${entry.endpoint.port}: ${message}`,
          );
        }
      }
    } catch (error) {
      release();
      throw error;
    }
  }

  private async acquireSlot(entry: PooledServer, urgent: boolean): Promise<void> {
    entry.disarmIdle();
    const waited = await entry.slots.acquire(urgent);
    this.channelWaitListener?.(waited);
  }

  private armIdle(entry: PooledServer): void {
    entry.armIdle(() => this.retire(entry));
  }

  /** Removes the entry from the pool; its connection ends once its channels have closed. */
  private retire(entry: PooledServer): void {
    if (this.entries.get(entry.serverId) === entry) this.entries.delete(entry.serverId);
    entry.retire();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
