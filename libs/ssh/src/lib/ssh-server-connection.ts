import { ErrorCode, TomoException } from '@tomo/shared';
import { Client, type AnyAuthMethod, type AuthenticationType, type ClientChannel, type NextAuthHandler } from 'ssh2';
import { fingerprintsEqual, hostKeyFingerprint } from '@tomo/ssh-keys';
import { type AuthPlan, loadAuthPlan, nextAuthMethod } from './ssh-auth-plan';
import type { SshCredentialsProvider } from './ssh-auth-plan';
import type { ChannelSlots } from './ssh-channel-slots';
import { hostKeyMismatchException, toSshConnectException, type SshEndpoint } from './ssh-errors';

export interface SshServerTarget extends SshEndpoint {
  credentials: SshCredentialsProvider;
  /**
   * The pinned host key fingerprint (`SHA256:…`), or null on first use: then any key is
   * accepted, and `SshSession.hostKeyFingerprint` is what the caller should persist.
   */
  expectedFingerprint: string | null;
}

/** What a connection needs from its pool. */
export interface ConnectionSettings {
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  idleTimeoutMs: number;
  log?: (message: string) => void;
  /** True once the whole pool is closing: a connection that opens then is ended at once. */
  poolClosed: () => boolean;
  /** Counts a completed handshake (pool statistics). */
  onConnected: () => void;
}

/**
 * One server's connection: opening (with trust on first use), reconnecting after a drop,
 * closing when idle or retired. Lives while the pool knows the server; its channel slots
 * outlive a dropped connection.
 */
export class PooledServer {
  client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  /** Fingerprint of the live connection. */
  fingerprint: string | null = null;
  /** What reconnects must present: the caller's pin, else the key seen first (trust on first use). */
  pinned: string | null;
  /** The pin the caller gave (null: none, the key was trusted on first use). */
  callerPin: string | null;
  private idleTimer: NodeJS.Timeout | null = null;
  connectionsOpened = 0;
  retired = false;

  constructor(
    readonly serverId: string,
    public target: SshServerTarget,
    readonly slots: ChannelSlots,
    private readonly settings: ConnectionSettings,
  ) {
    this.pinned = target.expectedFingerprint;
    this.callerPin = target.expectedFingerprint;
  }

  /** True when the caller's idea of the host key no longer fits this connection. */
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
    return t.host === this.target.host && t.port === this.target.port && t.username === this.target.username;
  }

  ensureConnected(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      this.connecting = this.open().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  /** Drops a client that failed under us (the next use reconnects). */
  forgetClient(client: Client): void {
    if (this.client === client) {
      this.client = null;
      this.fingerprint = null;
    }
    client.destroy();
  }

  disarmIdle(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
  }

  /** Calls `onIdle` once no channel has been open or waiting for `idleTimeoutMs`. */
  armIdle(onIdle: () => void): void {
    if (this.slots.active > 0 || this.slots.queued > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.slots.active === 0 && this.slots.queued === 0) {
        this.settings.log?.(`ssh ${this.serverId}: closing idle connection`);
        onIdle();
      }
    }, this.settings.idleTimeoutMs);
    this.idleTimer.unref();
  }

  /** Ends the connection once its channels have closed; nothing new may use it. */
  retire(): void {
    this.retired = true;
    this.disarmIdle();
    const client = this.client;
    if (!client) return;
    const check = (): void => {
      if (this.slots.active === 0) {
        this.client = null;
        void endClient(client);
      } else {
        void this.slots.nextChannelClose(60_000).then(check);
      }
    };
    check();
  }

  /** The pool is closing: lets waiters go and hands back the client to end (channels close with it). */
  shutdown(): Client | null {
    this.retired = true;
    this.disarmIdle();
    this.slots.grantAll();
    const client = this.client;
    this.client = null;
    return client;
  }

  private async open(): Promise<Client> {
    const target = this.target;
    const endpoint = this.endpoint;
    const pinned = this.pinned;
    let auth: AuthPlan | null = await loadAuthPlan(this.serverId, target.credentials);

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
          readyTimeout: this.settings.readyTimeoutMs,
          keepaliveInterval: this.settings.keepaliveIntervalMs,
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
          authHandler: (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler) => {
            // ssh2 accepts `false` for "no more methods" although its typings do not say so.
            const giveUp = next as (method: AnyAuthMethod | false) => void;
            giveUp(auth ? nextAuthMethod(auth, methodsLeft, target.username) : false);
          },
        });
        // ssh2 creates the socket inside connect(); without TCP_NODELAY every exec costs ~40 ms (Nagle).
        client.setNoDelay(true);
      });
    } catch (error) {
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      client.destroy();
      if (mismatch && pinned !== null && seen !== null) throw hostKeyMismatchException(endpoint, pinned, seen);
      throw toSshConnectException(error, endpoint);
    } finally {
      // Secrets live only as long as the handshake: drop our references to them.
      auth = null;
    }

    if (this.retired || this.settings.poolClosed()) {
      void endClient(client);
      throw new TomoException(
        ErrorCode.ServerUnreachable,
        `The connection to server ${this.serverId} was closed while it was opening`,
      );
    }
    const fingerprint = seen ?? '';
    this.client = client;
    this.fingerprint = fingerprint;
    // Trust on first use for the lifetime of this entry: reconnects must see the same key.
    this.pinned ??= fingerprint;
    this.connectionsOpened++;
    this.settings.onConnected();
    this.settings.log?.(`ssh ${this.serverId}: connected to ${endpoint.host}:${endpoint.port} (${fingerprint})`);

    const onGone = (reason: string) => (): void => {
      if (this.client === client) {
        this.client = null;
        this.fingerprint = null;
        this.settings.log?.(`ssh ${this.serverId}: connection ${reason}; will reconnect on next use`);
      }
    };
    client.on('error', (error: Error) => {
      this.settings.log?.(`ssh ${this.serverId}: ${error.message}`);
      onGone('failed')();
    });
    client.on('end', onGone('ended'));
    client.on('close', onGone('closed'));
    return client;
  }
}

export function execOn(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel)));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

export function endClient(client: Client): Promise<void> {
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
