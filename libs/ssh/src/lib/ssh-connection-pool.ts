import { ErrorCode, TomoException } from '@tomo/shared';
import { parsePrivateKey } from '@tomo/ssh-keys';
import {
  Client,
  type AnyAuthMethod,
  type AuthenticationType,
  type ClientChannel,
  type NextAuthHandler,
  type ParsedKey,
} from 'ssh2';
import {
  fingerprintsEqual,
  hostKeyFingerprint,
  normalizeFingerprint,
} from './host-key';
import {
  runRemoteCommand,
  type ExecChannelOpener,
  type RemoteCommandOptions,
  type RemoteCommandResult,
} from './remote-command';
import {
  connectionLostException,
  hostKeyMismatchException,
  toSshConnectException,
  type SshEndpoint,
} from './ssh-errors';

/** What the worker decrypts, only when a new connection is opened. */
export interface SshCredentials {
  password?: string | Buffer;
  privateKey?: string | Buffer;
  passphrase?: string | Buffer;
}

/** Called once per new connection; the result is dropped as soon as authentication ends. */
export type SshCredentialsProvider = () => Promise<SshCredentials>;

export interface SshServerTarget extends SshEndpoint {
  credentials: SshCredentialsProvider;
  /**
   * The pinned host key fingerprint (`SHA256:…`), or null on first use: then any key is
   * accepted, and `SshSession.hostKeyFingerprint` is what the caller should persist.
   */
  expectedFingerprint: string | null;
}

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

/** OpenSSH's default MaxSessions; the pool never goes above it, even for urgent channels. */
const OPENSSH_MAX_SESSIONS = 10;
/** Slots above the limit that only urgent channels (kills) may use. */
const URGENT_RESERVE = 2;
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

interface Waiter {
  urgent: boolean;
  grant: () => void;
}

/** One server's connection and its channel bookkeeping. Lives while the pool knows the server. */
class ServerEntry {
  target: SshServerTarget;
  client: Client | null = null;
  connecting: Promise<Client> | null = null;
  /** Fingerprint of the live connection. */
  fingerprint: string | null = null;
  /** What reconnects must present: the caller's pin, else the key seen first (trust on first use). */
  pinned: string | null;
  /** The pin the caller gave (null: none, the key was trusted on first use). */
  callerPin: string | null;
  active = 0;
  readonly waiters: Waiter[] = [];
  /** Resolved whenever one of our channels closes (to retry an open failure). */
  private closeListeners: Array<() => void> = [];
  idleTimer: NodeJS.Timeout | null = null;
  connectionsOpened = 0;
  retired = false;

  constructor(
    readonly serverId: string,
    target: SshServerTarget,
  ) {
    this.target = target;
    this.pinned = target.expectedFingerprint;
    this.callerPin = target.expectedFingerprint;
  }

  /** True when the caller's idea of the host key no longer fits this entry's connection. */
  pinChanged(expected: string | null): boolean {
    // The caller cleared its pin (e.g. the server was reinstalled on purpose): start afresh.
    if (expected === null) return this.callerPin !== null;
    return this.pinned !== null && !fingerprintsEqual(this.pinned, expected);
  }

  get endpoint(): SshEndpoint {
    return {
      host: this.target.host,
      port: this.target.port,
      username: this.target.username,
    };
  }

  sameEndpoint(t: SshEndpoint): boolean {
    return (
      t.host === this.target.host &&
      t.port === this.target.port &&
      t.username === this.target.username
    );
  }

  nextChannelClose(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const listeners = this.closeListeners;
      function done(): void {
        clearTimeout(timer);
        const i = listeners.indexOf(done);
        if (i !== -1) listeners.splice(i, 1);
        resolve();
      }
      listeners.push(done);
    });
  }

  notifyChannelClosed(): void {
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const l of listeners) l();
  }
}

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
  run(
    argv: readonly string[],
    options?: RemoteCommandOptions,
  ): Promise<RemoteCommandResult> {
    // Should the pool have closed the connection meanwhile (idle), reconnect with this key pinned.
    const pinned = {
      ...this.target,
      expectedFingerprint:
        this.target.expectedFingerprint ?? this.hostKeyFingerprint,
    };
    return this.pool.runOnServer(this.serverId, pinned, argv, options);
  }
}

/**
 * One SSH connection per server, shared by every step and job on that server; channels on it
 * are bounded and queued. See libs/ssh/README.md for the guarantees.
 */
export class SshConnectionPool {
  private readonly entries = new Map<string, ServerEntry>();
  private readonly options: Required<Omit<SshPoolOptions, 'log'>> &
    Pick<SshPoolOptions, 'log'>;
  private closed = false;
  private totalConnections = 0;
  private channelWaitListener: ((seconds: number) => void) | null = null;

  constructor(options: SshPoolOptions = {}) {
    const max =
      options.maxChannelsPerConnection ?? DEFAULTS.maxChannelsPerConnection;
    if (!Number.isInteger(max) || max < 1 || max > OPENSSH_MAX_SESSIONS - 1) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `maxChannelsPerConnection must be an integer from 1 to ${OPENSSH_MAX_SESSIONS - 1} (OpenSSH allows ${OPENSSH_MAX_SESSIONS} sessions per connection)`,
      );
    }
    this.options = {
      maxChannelsPerConnection: max,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      keepaliveIntervalMs:
        options.keepaliveIntervalMs ?? DEFAULTS.keepaliveIntervalMs,
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
  async connect(
    serverId: string,
    target: SshServerTarget,
  ): Promise<SshSession> {
    this.assertOpen();
    const expected =
      target.expectedFingerprint === null
        ? null
        : normalizeFingerprint(target.expectedFingerprint);
    const normalized: SshServerTarget = {
      ...target,
      expectedFingerprint: expected,
    };
    let entry = this.entries.get(serverId);
    if (
      entry &&
      (!entry.sameEndpoint(normalized) || entry.pinChanged(expected))
    ) {
      // The server was edited (address, user or pinned key): the old connection is not it.
      this.retire(entry);
      entry = undefined;
    }
    if (!entry) {
      entry = new ServerEntry(serverId, normalized);
      this.entries.set(serverId, entry);
    } else {
      // Newest credentials provider wins for future reconnects.
      entry.target = normalized;
      entry.callerPin = expected;
      if (expected !== null) entry.pinned = expected;
    }
    await this.ensureConnected(entry);
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
        throw new TomoException(
          ErrorCode.ServerUnreachable,
          `The connection to server ${serverId} was closed`,
        );
    }
    return runRemoteCommand(this.openerFor(entry), argv, options);
  }

  stats(serverId: string): SshServerStats {
    const entry = this.entries.get(serverId);
    return {
      connectionsOpened: entry?.connectionsOpened ?? 0,
      connected: entry?.client != null,
      activeChannels: entry?.active ?? 0,
      queuedChannels: entry?.waiters.length ?? 0,
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
      entry.retired = true;
      if (entry.idleTimer) clearTimeout(entry.idleTimer);
      for (const w of entry.waiters.splice(0)) w.grant();
      if (entry.client) clients.push(entry.client);
      entry.client = null;
    }
    this.entries.clear();
    await Promise.all(clients.map((c) => endClient(c)));
  }

  private assertOpen(): void {
    if (this.closed)
      throw new TomoException(
        ErrorCode.Internal,
        'The SSH connection pool is closed',
      );
  }

  private openerFor(entry: ServerEntry): ExecChannelOpener {
    return {
      openExec: (command, { urgent }) => this.openExec(entry, command, urgent),
      lostConnectionError: (detail) =>
        connectionLostException(entry.endpoint, detail),
    };
  }

  private async openExec(
    entry: ServerEntry,
    command: string,
    urgent: boolean,
  ): Promise<ClientChannel> {
    await this.acquireSlot(entry, urgent);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.releaseSlot(entry);
    };
    try {
      let openFailures = 0;
      let retriedDrop = false;
      for (;;) {
        this.assertOpen();
        const client = await this.ensureConnected(entry);
        try {
          const channel = await execOn(client, command);
          channel.once('close', release);
          return channel;
        } catch (error) {
          const message =
            error instanceof Error ? error.message : String(error);
          if (
            /Channel open failure/i.test(message) &&
            openFailures < OPEN_FAILURE_RETRIES
          ) {
            openFailures++;
            this.options.log?.(
              `ssh ${entry.serverId}: ${message}; retry ${openFailures}`,
            );
            const backoff = OPEN_FAILURE_BACKOFF_MS * 2 ** (openFailures - 1);
            if (openFailures === 1 && entry.active > 1)
              await entry.nextChannelClose(backoff * 10);
            else await delay(backoff);
            continue;
          }
          if (
            /Not connected|No response from server/i.test(message) &&
            !retriedDrop
          ) {
            // The connection died between our check and the open: reconnect once.
            retriedDrop = true;
            this.forgetClient(entry, client);
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

  private acquireSlot(entry: ServerEntry, urgent: boolean): Promise<void> {
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    if (this.hasRoom(entry, urgent) && (urgent || entry.waiters.length === 0)) {
      entry.active++;
      this.channelWaitListener?.(0);
      return Promise.resolve();
    }
    const since = performance.now();
    return new Promise((resolve) => {
      entry.waiters.push({
        urgent,
        grant: () => {
          entry.active++;
          this.channelWaitListener?.((performance.now() - since) / 1000);
          resolve();
        },
      });
    });
  }

  private hasRoom(entry: ServerEntry, urgent: boolean): boolean {
    const limit = urgent
      ? Math.min(
          OPENSSH_MAX_SESSIONS,
          this.options.maxChannelsPerConnection + URGENT_RESERVE,
        )
      : this.options.maxChannelsPerConnection;
    return entry.active < limit;
  }

  private releaseSlot(entry: ServerEntry): void {
    entry.active--;
    entry.notifyChannelClosed();
    // FIFO, but an urgent waiter may use the reserve even if normal ones must keep waiting.
    while (entry.waiters.length > 0) {
      const index = entry.waiters.findIndex((w) =>
        this.hasRoom(entry, w.urgent),
      );
      if (index === -1) break;
      const [waiter] = entry.waiters.splice(index, 1);
      waiter.grant();
    }
    this.armIdle(entry);
  }

  private armIdle(entry: ServerEntry): void {
    if (entry.active > 0 || entry.waiters.length > 0 || entry.idleTimer) return;
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = null;
      if (entry.active === 0 && entry.waiters.length === 0) {
        this.options.log?.(`ssh ${entry.serverId}: closing idle connection`);
        this.retire(entry);
      }
    }, this.options.idleTimeoutMs);
    entry.idleTimer.unref();
  }

  /** Removes the entry from the pool; its connection ends once its channels have closed. */
  private retire(entry: ServerEntry): void {
    if (this.entries.get(entry.serverId) === entry)
      this.entries.delete(entry.serverId);
    entry.retired = true;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    const client = entry.client;
    if (!client) return;
    if (entry.active === 0) {
      entry.client = null;
      void endClient(client);
      return;
    }
    const check = (): void => {
      if (entry.active === 0) {
        entry.client = null;
        void endClient(client);
      } else {
        void entry.nextChannelClose(60_000).then(check);
      }
    };
    check();
  }

  private forgetClient(entry: ServerEntry, client: Client): void {
    if (entry.client === client) {
      entry.client = null;
      entry.fingerprint = null;
    }
    client.destroy();
  }

  private ensureConnected(entry: ServerEntry): Promise<Client> {
    if (entry.client) return Promise.resolve(entry.client);
    if (!entry.connecting) {
      entry.connecting = this.openConnection(entry).finally(() => {
        entry.connecting = null;
      });
    }
    return entry.connecting;
  }

  private async openConnection(entry: ServerEntry): Promise<Client> {
    const target = entry.target;
    const endpoint = entry.endpoint;
    const pinned = entry.pinned;
    let auth: AuthPlan | null = await this.loadCredentials(entry);

    const client = new Client();
    let seen: string | null = null;
    let mismatch = false;

    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error): void => {
          client.removeListener('ready', onReady);
          reject(error);
        };
        const onReady = (): void => {
          client.removeListener('error', onError);
          resolve();
        };
        client.once('error', onError);
        client.once('ready', onReady);
        client.connect({
          host: target.host,
          port: target.port,
          username: target.username,
          readyTimeout: this.options.readyTimeoutMs,
          keepaliveInterval: this.options.keepaliveIntervalMs,
          keepaliveCountMax: 3,
          tryKeyboard: false,
          agent: undefined,
          hostVerifier: (key: Buffer): boolean => {
            seen = hostKeyFingerprint(key);
            if (pinned !== null && !fingerprintsEqual(pinned, seen)) {
              mismatch = true;
              return false;
            }
            return true;
          },
          authHandler: (
            methodsLeft: AuthenticationType[] | null,
            _partial: boolean | null,
            next: NextAuthHandler,
          ) => {
            // ssh2 accepts `false` for "no more methods" although its typings do not say so.
            const giveUp = next as (method: AnyAuthMethod | false) => void;
            giveUp(
              auth ? nextAuthMethod(auth, methodsLeft, target.username) : false,
            );
          },
        });
        // ssh2 creates the socket inside connect(); without TCP_NODELAY every exec costs ~40 ms (Nagle).
        client.setNoDelay(true);
      });
    } catch (error) {
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      client.destroy();
      if (mismatch && pinned !== null && seen !== null)
        throw hostKeyMismatchException(endpoint, pinned, seen);
      throw toSshConnectException(error, endpoint);
    } finally {
      // Secrets live only as long as the handshake: drop our references to them.
      auth = null;
    }

    if (entry.retired || this.closed) {
      void endClient(client);
      throw new TomoException(
        ErrorCode.ServerUnreachable,
        `The connection to server ${entry.serverId} was closed while it was opening`,
      );
    }
    const fingerprint = seen ?? '';
    entry.client = client;
    entry.fingerprint = fingerprint;
    // Trust on first use for the lifetime of this entry: reconnects must see the same key.
    entry.pinned ??= fingerprint;
    entry.connectionsOpened++;
    this.totalConnections++;
    this.options.log?.(
      `ssh ${entry.serverId}: connected to ${endpoint.host}:${endpoint.port} (${fingerprint})`,
    );

    const onGone = (reason: string) => (): void => {
      if (entry.client === client) {
        entry.client = null;
        entry.fingerprint = null;
        this.options.log?.(
          `ssh ${entry.serverId}: connection ${reason}; will reconnect on next use`,
        );
      }
    };
    client.on('error', (error: Error) => {
      this.options.log?.(`ssh ${entry.serverId}: ${error.message}`);
      onGone('failed')();
    });
    client.on('end', onGone('ended'));
    client.on('close', onGone('closed'));
    return client;
  }

  private async loadCredentials(entry: ServerEntry): Promise<AuthPlan> {
    let creds: SshCredentials;
    try {
      creds = await entry.target.credentials();
    } catch (error) {
      if (error instanceof TomoException) throw error;
      throw new TomoException(
        ErrorCode.Internal,
        `Could not load the credentials of server ${entry.serverId}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    let key: ParsedKey | undefined;
    if (
      creds.privateKey !== undefined &&
      creds.privateKey !== '' &&
      creds.privateKey.length > 0
    ) {
      try {
        key = parsePrivateKey(creds.privateKey, creds.passphrase);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new TomoException(
          ErrorCode.SshAuthFailed,
          `The stored private key of server ${entry.serverId} cannot be used: ${why}`,
        );
      }
    }
    const password =
      creds.password !== undefined && creds.password.length > 0
        ? creds.password
        : undefined;
    if (!key && password === undefined) {
      throw new TomoException(
        ErrorCode.SshAuthFailed,
        `Server ${entry.serverId} has neither a password nor a private key`,
      );
    }
    return { key, password, tried: new Set() };
  }
}

interface AuthPlan {
  key: ParsedKey | undefined;
  password: string | Buffer | undefined;
  tried: Set<string>;
}

/** Public key first (when there is one), then password; each once; then give up. */
function nextAuthMethod(
  plan: AuthPlan,
  methodsLeft: AuthenticationType[] | null,
  username: string,
): AnyAuthMethod | false {
  const allowed = (m: AuthenticationType): boolean =>
    methodsLeft === null || methodsLeft.includes(m);
  if (plan.key && !plan.tried.has('publickey') && allowed('publickey')) {
    plan.tried.add('publickey');
    return { type: 'publickey', username, key: plan.key };
  }
  if (
    plan.password !== undefined &&
    !plan.tried.has('password') &&
    allowed('password')
  ) {
    plan.tried.add('password');
    return { type: 'password', username, password: plan.password.toString() };
  }
  return false;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function execOn(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error, channel) =>
        error ? reject(error) : resolve(channel),
      );
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    // end() says goodbye politely; if the peer does not answer, destroy.
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2_000);
    timer.unref();
    client.once('close', done);
    client.on('error', () => undefined);
    client.end();
  });
}
