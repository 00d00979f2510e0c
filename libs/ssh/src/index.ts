export {
  fingerprintsEqual,
  hostKeyFingerprint,
  normalizeFingerprint,
  publicKeyLineFingerprint,
} from './lib/host-key';
export {
  DEFAULT_MAX_CAPTURE_BYTES,
  type OutputStream,
  type RemoteCommandOptions,
  type RemoteCommandResult,
} from './lib/remote-command';
export { quoteShellArg, quoteShellCommand } from './lib/shell-quote';
export { SshConnectionPool, type SshCredentials, SshSession } from './lib/ssh-connection-pool';
export { hostKeyMismatchException, meansServerOffline, toSshConnectException } from './lib/ssh-errors';
export { SshModule } from './lib/ssh.module';
