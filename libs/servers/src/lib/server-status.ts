/** What the last connection test (or metrics sample) found. Values are stored and public: never rename. */
export enum ServerStatus {
  /** Added or edited; no connection test finished yet. */
  Unknown = 'UNKNOWN',
  Online = 'ONLINE',
  /** Unreachable after the retries of a connection test (or a metrics sample). */
  Offline = 'OFFLINE',
  /** The server rejected the stored credentials. */
  AuthFailed = 'AUTH_FAILED',
  /** The server presented another host key than the pinned one; an admin must accept it. */
  HostKeyMismatch = 'HOST_KEY_MISMATCH',
  /** Reachable, but Docker is missing, not running, or the user may not use it. */
  NoDocker = 'NO_DOCKER',
}

export enum ServerAuthType {
  Password = 'PASSWORD',
  Key = 'KEY',
}
