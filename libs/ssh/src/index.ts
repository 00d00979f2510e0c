export * from './lib/host-key';
export {
  DEFAULT_MAX_CAPTURE_BYTES,
  type OutputStream,
  type RemoteCommandOptions,
  type RemoteCommandResult,
} from './lib/remote-command';
export * from './lib/shell-quote';
export * from './lib/ssh-connection-pool';
export * from './lib/ssh-errors';
export * from './lib/ssh.module';
