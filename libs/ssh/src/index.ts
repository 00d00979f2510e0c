export { DEFAULT_MAX_CAPTURE_BYTES } from './lib/remote-command';
export { quoteShellArg, quoteShellCommand } from './lib/shell-quote';
export { SshConnectionPool, type SshCredentials, SshSession } from './lib/ssh-connection-pool';
export { hostKeyMismatchException, toSshConnectException } from './lib/ssh-errors';
export { SshModule } from './lib/ssh.module';
